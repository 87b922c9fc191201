using System.Net;
using System.Net.Sockets;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// Which side of the LAN/internet line an address is on. LAN-scope addresses (RFC 1918, link-local, unique-local, loopback)
/// are what machines on one network use to reach each other; they mean nothing, or something else, anywhere else.
/// </summary>
public static class AddressScope
{
    public static bool IsLan(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] == 10
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);
        }
        return false;
    }

    public static bool IsLan(IPEndPoint endPoint) => IsLan(endPoint.Address);

    /// <summary>
    /// True for a unicast address the internet can route: not LAN-scope, and not IPv4's 0/8, shared 100.64/10 (a carrier's
    /// NAT), 192.0.0/24, multicast and reserved, nor IPv6's unspecified, multicast and site-local addresses.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IsLan(address))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0 || (b[0] == 100 && (b[1] & 0xC0) == 64) || (b[0] == 192 && b[1] == 0 && b[2] == 0) || b[0] >= 224);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast && !address.IsIPv6SiteLocal;
        return false;
    }
}
