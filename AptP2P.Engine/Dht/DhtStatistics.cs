using AptP2P.Engine.Dht.Queries;

namespace AptP2P.Engine.Dht;

/// <summary>A snapshot of the DHT node for the dashboard and <c>GET /api/dht</c>.</summary>
public sealed record DhtStatistics(
    string NodeId,
    string? ExternalAddress,
    int Port,
    bool Bootstrapped,
    int RoutingTableSize,
    IReadOnlyList<BucketStatistics> Buckets,
    long LookupsStarted,
    long LookupsCompleted,
    int LookupsRunning,
    RttStatistics Rtt,
    long DatagramsIn,
    long DatagramsOut,
    long QueriesIn,
    long QueriesOut,
    long ResponsesIn,
    long ErrorsIn,
    long Timeouts,
    long MalformedIn,
    long DroppedIn,
    int PendingQueries,
    int StoredKeys,
    int StoredPeers,
    int StoredItems,
    long AnnouncesStored,
    long ItemsStored)
{
    /// <summary><c>ipv4</c> or <c>ipv6</c>: the family of this node's socket (BEP 32: one DHT per family).</summary>
    public string Family { get; init; } = "ipv4";

    /// <summary>Entries of <c>nodes</c>, <c>nodes6</c> and <c>values</c> skipped as malformed in otherwise good responses.</summary>
    public long MalformedEntries { get; init; }

    /// <summary>Whether others reach this node's socket, how that is known, and whether it is read-only (BEP 43) now.</summary>
    public ReachabilityStatus? Reachability { get; init; }

    /// <summary>The IPv6 node's statistics beside the IPv4 node's (dual stack); null when this node is the only one.</summary>
    public DhtStatistics? Ipv6 { get; init; }
}

/// <summary>One bucket: how deep it sits (bits shared with our id), how many nodes it holds, how many are good, how many wait.</summary>
public sealed record BucketStatistics(int Depth, int Capacity, int Nodes, int Good, int Replacements);
