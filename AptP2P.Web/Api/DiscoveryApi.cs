using AptP2P.Engine.Discovery;

namespace AptP2P.Web.Api;

/// <summary><c>/api/discovery</c>: how the node finds others (the modes in effect), what local discovery sent and heard, the LAN peers.</summary>
public static class DiscoveryApi
{
    public static RouteGroupBuilder MapDiscoveryApi(this RouteGroupBuilder api)
    {
        api.MapGet("/discovery", Get).WithName("GetDiscovery").WithTags("Discovery")
            .WithSummary("Discovery modes (lan, publicDht, swarmKey set or not), multicast groups and interfaces, packet counters, LAN peers");
        return api;
    }

    internal static DiscoveryResponse Get(IDiscoveryStatus discovery) => DiscoveryResponse.From(discovery.Status());
}

/// <summary>The payload of <c>GET /api/discovery</c>. The swarm key itself is never shown, only whether one is set.</summary>
public sealed record DiscoveryResponse(
    bool Lan,
    bool PublicDht,
    bool SwarmKey,
    int Port,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Interfaces,
    LanDiscoveryCounters Packets,
    long DhtDatagramsBlocked,
    IReadOnlyList<LanPeerResponse> Peers)
{
    public static DiscoveryResponse From(DiscoveryStatus status) => new(
        status.Lan,
        status.PublicDht,
        status.SwarmKey,
        status.Port,
        status.Groups,
        status.Interfaces,
        status.Counters,
        status.DhtDatagramsBlocked,
        [.. status.Peers.Select(p => new LanPeerResponse(p.Id.ToString(), p.EndPoint.ToString(), p.FirstHeard, p.LastHeard))]);
}

/// <summary>A LAN peer: its DHT id, <c>address:port</c> of its HTTP and DHT port, when it was first and last heard.</summary>
public sealed record LanPeerResponse(string Id, string EndPoint, DateTimeOffset FirstHeard, DateTimeOffset LastHeard);
