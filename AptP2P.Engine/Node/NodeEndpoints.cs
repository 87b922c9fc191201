using System.Net;
using System.Net.NetworkInformation;

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

    /// <summary>Called by the host once Kestrel listens.</summary>
    public void RecordHttpPort(int port) => HttpPort = ValidPort(port);

    /// <summary>Called by the DHT once its UDP socket is bound.</summary>
    public void RecordDhtPort(int port) => DhtPort = ValidPort(port);

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
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || _localAddresses.Value.Contains(address);
    }

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
