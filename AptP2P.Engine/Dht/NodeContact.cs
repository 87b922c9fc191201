using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AptP2P.Engine.Dht;

/// <summary>A node as other nodes describe it: id and UDP endpoint (BEP 5 "compact node info").</summary>
public sealed record NodeContact(NodeId Id, IPEndPoint EndPoint)
{
    public const int CompactLength = NodeId.Length + CompactEndPoint.Length;

    public void WriteCompact(Span<byte> destination)
    {
        Id.CopyTo(destination);
        CompactEndPoint.Write(EndPoint, destination[NodeId.Length..]);
    }
}

/// <summary>IPv4 address and port in network order: 6 bytes (BEP 5 "compact peer info").</summary>
public static class CompactEndPoint
{
    public const int Length = 6;

    public static bool TryRead(ReadOnlySpan<byte> bytes, out IPEndPoint endPoint)
    {
        if (bytes.Length != Length)
        {
            endPoint = null!;
            return false;
        }
        endPoint = new IPEndPoint(new IPAddress(bytes[..4]), BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]));
        return true;
    }

    public static void Write(IPEndPoint endPoint, Span<byte> destination)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(destination, out _))
            throw new ArgumentException("Only IPv4 endpoints have a 6-byte compact form.", nameof(endPoint));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)endPoint.Port);
    }

    public static byte[] ToArray(IPEndPoint endPoint)
    {
        var bytes = new byte[Length];
        Write(endPoint, bytes);
        return bytes;
    }

    public static bool IsIPv4(IPEndPoint endPoint) =>
        endPoint.AddressFamily == AddressFamily.InterNetwork || endPoint.Address.IsIPv4MappedToIPv6;

    /// <summary>Normalises an endpoint to plain IPv4 where it is a mapped address.</summary>
    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
