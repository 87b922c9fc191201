namespace AptP2P.Engine.Dht;

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
                Peers.KeyCount, Peers.PeerCount, Items.Count, c.AnnouncesStored, c.ItemsStored)
            {
                Family = Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
                MalformedEntries = c.MalformedEntries,
                Reachability = ReachabilityNow(),
            };
        }
    }
}
