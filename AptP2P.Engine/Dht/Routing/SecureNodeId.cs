using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace AptP2P.Engine.Dht.Routing;

/// <summary>
/// BEP 42: node ids tied to the node's external address, so that nobody picks an id next to a key at will. IPv4 masks the
/// 4 address bytes with 03 0f 3f ff; IPv6 the first 8 (the /64 a host is given) with 01 03 07 0f 1f 3f 7f ff.
/// </summary>
public static class SecureNodeId
{
    private static ReadOnlySpan<byte> Mask => [0x03, 0x0f, 0x3f, 0xff];
    private static ReadOnlySpan<byte> Mask6 => [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

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

    /// <summary>Addresses that are not public (loopback, private, link-local, unique-local and the like) are exempt from BEP 42: they are not unique.</summary>
    public static bool IsExempt(IPAddress address) => !Discovery.AddressScope.IsPublic(address);

    private static uint Crc(IPAddress address, byte r)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> all = stackalloc byte[16];
        if (!address.TryWriteBytes(all, out var written) || written is not (4 or 16))
            throw new ArgumentException("BEP 42 ids are derived from IPv4 or IPv6 addresses.", nameof(address));
        var mask = written == 4 ? Mask : Mask6;
        var ip = all[..mask.Length];
        for (var i = 0; i < ip.Length; i++)
            ip[i] &= mask[i];
        ip[0] |= (byte)(r << 5);
        var crc = uint.MaxValue;
        foreach (var b in ip)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
