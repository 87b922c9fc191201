using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Discovery;

namespace AptP2P.Engine.PortMapping;

/// <summary>Where the gateway is, what our address toward it is, and whether an address it reports is a public one.</summary>
public static class GatewayAddresses
{
    private const string RouteTable = "/proc/net/route";
    private const int RouteGatewayFlag = 0x2;

    /// <summary>The IPv4 gateway of the default route, from <c>/proc/net/route</c>; null without one.</summary>
    public static IPAddress? DefaultGateway(string routeTable = RouteTable)
    {
        try
        {
            if (!File.Exists(routeTable))
                return null;
            foreach (var line in File.ReadLines(routeTable).Skip(1).Take(1_000))
            {
                var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 4 || fields[1] != "00000000")
                    continue;
                if (!uint.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var gateway)
                    || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags)
                    || (flags & RouteGatewayFlag) == 0 || gateway == 0)
                {
                    continue;
                }
                // The kernel prints the address as the host-order view of network-order bytes: the bytes, little-endian.
                Span<byte> bytes = stackalloc byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, gateway);
                return new IPAddress(bytes);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>Our address on the way to <paramref name="gateway"/> (what the kernel would send from); no packet is sent.</summary>
    public static IPAddress LocalAddressToward(IPAddress gateway)
    {
        using var socket = new Socket(gateway.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(gateway, 9));
        return ((IPEndPoint)socket.LocalEndPoint!).Address;
    }

    /// <summary>True for an IPv4 address the internet can route (<see cref="AddressScope.IsPublic"/>): what a gateway may call ours.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetwork && AddressScope.IsPublic(address);
    }
}
