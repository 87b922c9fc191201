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
    long ItemsStored);

/// <summary>One bucket: how deep it sits (bits shared with our id), how many nodes it holds, how many are good, how many wait.</summary>
public sealed record BucketStatistics(int Depth, int Capacity, int Nodes, int Good, int Replacements);

public sealed partial class DhtNode
{
    public int KnownNodes
    {
        get
        {
            lock (_gate)
                return _table.Count;
        }
    }

    public DhtStatistics GetStatistics()
    {
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            var settings = _table.Settings;
            var buckets = _table.Buckets
                .Select(b => new BucketStatistics(b.Depth, b.Capacity, b.Nodes.Count, b.Nodes.Count(n => n.IsGood(now, settings.GoodWindow)), b.Replacements.Count))
                .ToList();
            var c = _counters;
            return new DhtStatistics(
                Id.ToString(), ExternalAddress?.ToString(), LocalEndPoint.Port, IsBootstrapped, _table.Count, buckets,
                c.LookupsStarted, c.LookupsCompleted, _lookups.Count, _rtt.Snapshot(),
                c.DatagramsIn, c.DatagramsOut, c.QueriesIn, c.QueriesOut, c.ResponsesIn, c.ErrorsIn, c.Timeouts, c.Malformed, c.Dropped, _queries.Count,
                Peers.KeyCount, Peers.PeerCount, Items.Count, c.AnnouncesStored, c.ItemsStored);
        }
    }
}
