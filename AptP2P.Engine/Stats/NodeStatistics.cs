using AptP2P.Engine.Dht;
using AptP2P.Engine.Peers;

namespace AptP2P.Engine.Stats;

/// <summary>
/// Everything the dashboard shows at a glance, as one immutable snapshot: pushed to the dashboard's pages in process and to
/// <c>/hubs/stats</c> clients, and returned by <c>GET /api/stats</c>.
/// </summary>
public sealed record NodeStatistics(
    DateTimeOffset At,
    string Version,
    TimeSpan Uptime,
    TrafficSnapshot Total,
    TrafficSnapshot Today,
    ThroughputSample Throughput,
    IReadOnlyList<TransferStatus> Active,
    IReadOnlyList<TransferStatus> Recent,
    IReadOnlyList<PeerStatus> Peers,
    CacheSummary Cache,
    DhtSummary? Dht)
{
    /// <summary>Local discovery: its modes and how many LAN peers it knows.</summary>
    public LanSummary Lan { get; init; } = LanSummary.Off;

    /// <summary>Before the first sample: zeros everywhere.</summary>
    public static NodeStatistics Empty(DateTimeOffset at, string version)
    {
        var zero = new TrafficSnapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, at);
        return new(at, version, TimeSpan.Zero, zero, zero, ThroughputSample.Idle(at), [], [], [], CacheSummary.Empty, null);
    }
}

/// <summary>What the content store holds: files, bytes against the limit, and how often a request found its file there.</summary>
/// <param name="Archives">Archives whose Release was read (the dashboard re-reads their list when it changes).</param>
public sealed record CacheSummary(int Files, long TotalSize, long SizeLimit, long Hits, long Misses, int IndexedHashes, int Archives = 0)
{
    public static CacheSummary Empty { get; } = new(0, 0, long.MaxValue, 0, 0, 0);

    /// <summary>Share of cacheable requests answered from the cache (0 when none was made).</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Share of the size limit in use (0 without a limit).</summary>
    public double Fill => SizeLimit is <= 0 or long.MaxValue ? 0 : Math.Min(1, (double)TotalSize / SizeLimit);
}

/// <summary>Local discovery at a glance: whether it runs, the other modes, and the LAN peers heard (docs/PROTOCOL-LAN.md).</summary>
public sealed record LanSummary(bool Discovery, bool PublicDht, bool SwarmKey, int Peers)
{
    public static LanSummary Off { get; } = new(false, true, false, 0);
}

/// <summary>
/// One peer we exchanged data with, as the dashboard shows it (the endpoint as text so that it serialises plainly);
/// <see cref="Lan"/>: on the local network (heard by local discovery, or at a LAN address).
/// </summary>
public sealed record PeerStatus(
    string Endpoint,
    long BytesDownloaded,
    long BytesUploaded,
    long Successes,
    long Failures,
    long BadPieces,
    double BytesPerSecond,
    DateTimeOffset LastContact,
    DateTimeOffset? BannedUntil,
    double Score)
{
    public bool Lan { get; init; }

    public static PeerStatus From(PeerScore score, bool lan = false) => new(
        score.Peer.ToString(), score.BytesDownloaded, score.BytesUploaded, score.Successes, score.Failures, score.BadPieces,
        score.ThroughputBytesPerSecond, score.LastContact, score.BannedUntil, score.Score)
    { Lan = lan };
}

/// <summary>The DHT node's statistics with the rates the dashboard derives from its counters (per second, over the last sample).</summary>
public sealed record DhtSummary(DhtStatistics Node, double LookupsPerSecond, double QueriesInPerSecond, double QueriesOutPerSecond)
{
    /// <summary>One line per address family: reachable from outside yes / no / not known yet, and how that is known.</summary>
    public IReadOnlyList<string> ReachabilityLines =>
        [.. new[] { Node, Node.Ipv6 }.OfType<DhtStatistics>().Select(ReachabilityLine)];

    private static string ReachabilityLine(DhtStatistics node)
    {
        var family = node.Family == "ipv6" ? "IPv6" : "IPv4";
        return node.Reachability switch
        {
            { State: ReachabilityState.Reachable } r => $"reachable over {family}: yes ({r.How})",
            { State: ReachabilityState.Unreachable } r => $"reachable over {family}: no ({r.How}){(r.ReadOnly ? "; read-only, announces nothing over " + family : "")}",
            { } r => $"reachable over {family}: not known yet ({r.How})",
            null => $"reachable over {family}: not known yet",
        };
    }
}
