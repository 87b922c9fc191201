using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AptP2P.Engine.Dht;

/// <summary>A node as other nodes describe it: id and UDP endpoint (BEP 5 "compact node info", BEP 32 for IPv6).</summary>
public sealed record NodeContact(NodeId Id, IPEndPoint EndPoint)
{
    /// <summary>An IPv4 node in <c>nodes</c>: 20-byte id, 4-byte address, port.</summary>
    public const int CompactLength = NodeId.Length + CompactEndPoint.Length;

    /// <summary>An IPv6 node in <c>nodes6</c> (BEP 32): 20-byte id, 16-byte address, port.</summary>
    public const int CompactLength6 = NodeId.Length + CompactEndPoint.Length6;

    public bool IsIPv4 => CompactEndPoint.IsIPv4(EndPoint);

    public void WriteCompact(Span<byte> destination)
    {
        Id.CopyTo(destination);
        CompactEndPoint.Write(EndPoint, destination[NodeId.Length..]);
    }
}

/// <summary>
/// An address and port in network order: 6 bytes for IPv4 (BEP 5 "compact peer info"), 18 for IPv6 (BEP 32). An
/// IPv4-mapped IPv6 address is the IPv4 address it maps.
/// </summary>
public static class CompactEndPoint
{
    public const int Length = 6;
    public const int Length6 = 18;

    /// <summary>Reads a 6- or 18-byte compact endpoint; any other length is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out IPEndPoint endPoint)
    {
        switch (bytes.Length)
        {
            case Length:
                endPoint = new IPEndPoint(new IPAddress(bytes[..4]), BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]));
                return true;
            case Length6:
                endPoint = Normalize(new IPEndPoint(new IPAddress(bytes[..16]), BinaryPrimitives.ReadUInt16BigEndian(bytes[16..])));
                return true;
            default:
                endPoint = null!;
                return false;
        }
    }

    /// <summary>6 for an IPv4 endpoint (also a mapped one), 18 for IPv6.</summary>
    public static int LengthOf(IPEndPoint endPoint) => IsIPv4(endPoint) ? Length : Length6;

    public static void Write(IPEndPoint endPoint, Span<byte> destination)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        if (!address.TryWriteBytes(destination, out var written) || destination.Length < written + 2)
            throw new ArgumentException("The destination is too short for this endpoint's compact form.", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endPoint.Port);
    }

    public static byte[] ToArray(IPEndPoint endPoint)
    {
        var bytes = new byte[LengthOf(endPoint)];
        Write(endPoint, bytes);
        return bytes;
    }

    public static bool IsIPv4(IPEndPoint endPoint) =>
        endPoint.AddressFamily == AddressFamily.InterNetwork || endPoint.Address.IsIPv4MappedToIPv6;

    /// <summary>The family an endpoint belongs to, a mapped address counting as IPv4.</summary>
    public static AddressFamily FamilyOf(IPEndPoint endPoint) => IsIPv4(endPoint) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>Normalises an endpoint to plain IPv4 where it is a mapped address.</summary>
    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
