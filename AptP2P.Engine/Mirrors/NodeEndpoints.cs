using System.Net;
using System.Net.NetworkInformation;

namespace AptP2P.Engine.Mirrors;

/// <summary>The ports this node really listens on (known once the host has started), so the proxy never targets itself.</summary>
public sealed class NodeEndpoints
{
    private readonly Lazy<HashSet<IPAddress>> _localAddresses = new(ReadLocalAddresses);

    public int HttpPort { get; set; }
    public int DhtPort { get; set; }

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
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                    set.Add(unicast.Address);
        }
        catch (NetworkInformationException)
        {
            // Without the interface list only loopback is recognised; the connect check still covers it.
        }
        return set;
    }
}
