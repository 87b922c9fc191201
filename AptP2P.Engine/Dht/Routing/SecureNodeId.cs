using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace AptP2P.Engine.Dht.Routing;

/// <summary>BEP 42: node ids tied to the node's external IPv4 address, so that nobody picks an id next to a key at will.</summary>
public static class SecureNodeId
{
    private static ReadOnlySpan<byte> Mask => [0x03, 0x0f, 0x3f, 0xff];

    /// <summary>A fresh id for <paramref name="address"/>: 21 bits from crc32c, random middle, <c>r</c> in the last byte.</summary>
    public static NodeId Generate(IPAddress address, Random random)
    {
        var r = (byte)random.Next(8);
        var crc = Crc(address, r);
        Span<byte> id = stackalloc byte[NodeId.Length];
        random.NextBytes(id);
        id[0] = (byte)(crc >> 24);
        id[1] = (byte)(crc >> 16);
        id[2] = (byte)((crc >> 8 & 0xf8) | (uint)(id[2] & 0x07));
        id[19] = r;
        return new NodeId(id);
    }

    /// <summary>True when the first 21 bits of <paramref name="id"/> match <paramref name="address"/>.</summary>
    public static bool IsValid(NodeId id, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Length];
        id.CopyTo(bytes);
        var crc = Crc(address, (byte)(bytes[19] & 0x07));
        return bytes[0] == (byte)(crc >> 24) && bytes[1] == (byte)(crc >> 16) && (bytes[2] & 0xf8) == (byte)((crc >> 8) & 0xf8);
    }

    /// <summary>Loopback, private, link-local and similar addresses are exempt from BEP 42 (they are not unique).</summary>
    public static bool IsExempt(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetwork)
            return true;
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] is 0 or 10 or 127
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && (b[1] & 0xf0) == 16)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && (b[1] & 0xc0) == 64);
    }

    private static uint Crc(IPAddress address, byte r)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> ip = stackalloc byte[4];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(ip, out _))
            throw new ArgumentException("BEP 42 ids are derived from IPv4 addresses here.", nameof(address));
        for (var i = 0; i < 4; i++)
            ip[i] &= Mask[i];
        ip[0] |= (byte)(r << 5);
        var crc = uint.MaxValue;
        foreach (var b in ip)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
