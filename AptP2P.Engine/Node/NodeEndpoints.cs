using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace AptP2P.Engine.Node;

/// <summary>
/// This node's own endpoints: the ports it really listens on, known once the host and the DHT have started, so that the proxy
/// never targets itself and the announcer announces the port peers can reach.
/// </summary>
public sealed class NodeEndpoints
{
    private readonly Lazy<HashSet<IPAddress>> _localAddresses = new(ReadLocalAddresses);

    /// <summary>The TCP port of the HTTP listener; 0 until the host has started.</summary>
    public int HttpPort { get; private set; }

    /// <summary>The UDP port of the DHT socket; 0 until the DHT has bound it.</summary>
    public int DhtPort { get; private set; }

    /// <summary>
    /// The address the node's sockets are bound to: a wildcard (0.0.0.0, ::) or one exact address; null until recorded.
    /// </summary>
    public IPAddress? BindAddress { get; private set; }

    /// <summary>Called by the host once Kestrel listens.</summary>
    public void RecordHttpPort(int port) => HttpPort = ValidPort(port);

    /// <summary>Called by the DHT once its UDP socket is bound.</summary>
    public void RecordDhtPort(int port) => DhtPort = ValidPort(port);

    /// <summary>Called by the host with the address it listens on (<c>AptP2P:BindAddress</c>).</summary>
    public void RecordBindAddress(IPAddress address) => BindAddress = Normalise(address);

    private static int ValidPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return port;
    }

    /// <summary>True when a connection to <paramref name="address"/>:<paramref name="port"/> would reach this node.</summary>
    public bool IsThisNode(IPAddress address, int port)
    {
        if (port != HttpPort && port != DhtPort)
            return false;
        address = Normalise(address);
        // Bound to one address, only that address reaches this node: another node on 127.0.0.3 or on another interface with
        // the same port is a different node (several nodes on one machine, one port each address).
        if (BindAddress is { } bound && !IsWildcard(bound))
            return address.Equals(bound);
        // Bound to every address (or not yet known): every loopback and interface address of the machine reaches it.
        return IPAddress.IsLoopback(address) || IsWildcard(address) || _localAddresses.Value.Contains(address);
    }

    /// <summary>
    /// The addresses a bind address stands for, one socket each: <c>::</c> every IPv4 and every IPv6 address (an IPv4 socket
    /// and an IPv6-only one; IPv4 alone on a machine without IPv6), <c>0.0.0.0</c> every IPv4 address, anything else that
    /// address alone.
    /// </summary>
    public static IReadOnlyList<IPAddress> ListenAddresses(IPAddress bind)
    {
        bind = Normalise(bind);
        if (!bind.Equals(IPAddress.IPv6Any))
            return [bind];
        return Socket.OSSupportsIPv6 ? [IPAddress.Any, IPAddress.IPv6Any] : [IPAddress.Any];
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static HashSet<IPAddress> ReadLocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                    set.Add(unicast.Address);
            }
        }
        catch (NetworkInformationException)
        {
            // Without the interface list only loopback is recognised; the connect check still covers it.
        }
        return set;
    }
}
