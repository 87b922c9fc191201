using System.Net;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Access;

/// <summary>
/// Who may use the proxy, dashboard, API, hub and settings form: the local machine by default, or exactly the networks
/// listed in <c>AptP2P:AllowedClients</c>. Peers reach only the peer protocol.
/// </summary>
public sealed class ClientAccess
{
    private static readonly IPNetwork[] LoopbackOnly = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    private volatile IPNetwork[] _allowed;

    public ClientAccess(IOptionsMonitor<AptP2POptions> options)
    {
        _allowed = Parse(options.CurrentValue.AllowedClients);
        options.OnChange(o => _allowed = Parse(o.AllowedClients));
    }

    public bool IsAllowed(IPAddress? remote)
    {
        // A socket always has a remote address; a request without one came from somewhere we cannot vouch for.
        if (remote is null)
            return false;
        if (remote.IsIPv4MappedToIPv6)
            remote = remote.MapToIPv4();
        foreach (var network in _allowed)
        {
            if (network.Contains(remote))
                return true;
        }
        return false;
    }

    /// <summary>Parses a CIDR list; entries may also be comma-separated within one value. Throws <see cref="FormatException"/> on a bad entry.</summary>
    public static IPNetwork[] Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in ConfigurationList.Split(entries))
        {
            if (IPNetwork.TryParse(entry, out var network))
                networks.Add(AsIPv4(network));
            else if (IPAddress.TryParse(entry, out var single))
                networks.Add(AsIPv4(new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)));
            else
                throw new FormatException($"'{entry}' in AptP2P:AllowedClients is not an address or CIDR network");
        }
        // An empty list means the local machine only; a list replaces that default (include 127.0.0.0/8 to keep local access).
        return networks.Count == 0 ? LoopbackOnly : [.. networks];
    }

    /// <summary>An IPv4-mapped network (<c>::ffff:10.0.0.0/104</c>) is the IPv4 network it maps, as clients' addresses are.</summary>
    private static IPNetwork AsIPv4(IPNetwork network) =>
        network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96
            ? new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96)
            : network;

    public static bool IsValid(IEnumerable<string> entries)
    {
        try
        {
            Parse(entries);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
