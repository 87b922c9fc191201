using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Queries;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.Stats;

namespace AptP2P.Tests.Dashboard;

/// <summary>Statistics snapshots with recognisable figures for the dashboard tests.</summary>
internal static class SampleStatistics
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    public const long MiB = 1024 * 1024;

    /// <param name="lanPeers">Of <paramref name="peers"/>, the bytes from LAN peers.</param>
    public static TrafficSnapshot Traffic(long peers = 0, long mirror = 0, long cache = 0, long uploaded = 0, long hits = 0, long misses = 0, long lanPeers = 0) =>
        new(hits + misses, hits, misses, mirror, peers, cache, peers + mirror + cache, uploaded, 0, 0, 0, Start) { BytesFromLanPeers = lanPeers };

    public static NodeStatistics Node(TrafficSnapshot? total = null, TrafficSnapshot? today = null, IReadOnlyList<TransferStatus>? active = null,
        IReadOnlyList<TransferStatus>? recent = null, IReadOnlyList<PeerStatus>? peers = null, CacheSummary? cache = null, DhtSummary? dht = null,
        TimeSpan? uptime = null)
    {
        var uptimeValue = uptime ?? TimeSpan.FromMinutes(5);
        return new NodeStatistics(Start + uptimeValue, "0.1.0", uptimeValue, total ?? Traffic(), today ?? total ?? Traffic(),
            ThroughputSample.Idle(Start + uptimeValue), active ?? [], recent ?? [], peers ?? [], cache ?? CacheSummary.Empty, dht);
    }

    public static TransferStatus Transfer(string file, long written, long? length, TransferState state = TransferState.Downloading,
        double bytesPerSecond = 0, IReadOnlyDictionary<string, long>? sources = null, DateTimeOffset? ended = null, string? failure = null) =>
        new($"sha256:{file}", $"deb.debian.org/debian/pool/main/{file}", file, null, length, written, bytesPerSecond, Start, ended, 1,
            sources ?? new Dictionary<string, long> { [TransferStatus.MirrorSource] = written }, state, failure);

    public static PeerStatus Peer(string endpoint, double score = 0.8, DateTimeOffset? bannedUntil = null, bool lan = false) =>
        new(endpoint, 10 * MiB, 2 * MiB, 7, 1, 0, 4 * MiB, Start, bannedUntil, score) { Lan = lan };

    /// <summary>Local discovery on eth0 with two LAN peers, 40 hellos sent and 95 datagrams heard.</summary>
    public static DiscoveryStatus LanStatus(bool lan = true, bool publicDht = true, bool swarmKey = false, IReadOnlyList<LanPeer>? peers = null) =>
        new(lan, publicDht, swarmKey, 6771, ["239.192.152.143:6771", "[ff15::efc0:988f]:6771"], lan ? ["eth0 (192.168.1.5)"] : [],
            lan ? new LanDiscoveryCounters(40, 6, 95, 80, 2, 1, 7, 5, 40, Start.AddSeconds(-30), Start.AddSeconds(-2)) : new LanDiscoveryCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, null, null),
            peers ?? (lan ? [LanPeer("192.168.1.7:9977", 7), LanPeer("192.168.1.9:9977", 9)] : []), publicDht ? 0 : 12);

    public static LanPeer LanPeer(string endpoint, byte id) =>
        new(new NodeId([.. Enumerable.Repeat(id, 20)]), IPEndPoint.Parse(endpoint), Start.AddMinutes(-10), Start.AddSeconds(-40));

    public static DhtSummary DhtNode(int nodes = 42, string? externalAddress = "203.0.113.7", long queriesIn = 12) =>
        new(new DhtStatistics("0123456789abcdef0123456789abcdef01234567", externalAddress, 9977, true, nodes,
                [new BucketStatistics(0, 8, 8, 6, 2), new BucketStatistics(1, 8, 5, 5, 0), new BucketStatistics(2, 8, 3, 1, 0)],
                10, 9, 1, new RttStatistics(100, 23.5, 80, 150, 30), 400, 390, queriesIn, 300, 280, 2, 15, 1, 0, 3, 17, 25, 4, 30, 4)
        {
            Reachability = new ReachabilityStatus(ReachabilityState.Reachable, "a query from 198.51.100.9:6881, which we had not contacted",
                    Start, ReadOnly: false, UnsolicitedQueries: queriesIn),
        },
            LookupsPerSecond: 1.5, QueriesInPerSecond: 2, QueriesOutPerSecond: 6);

    public static IPEndPoint Endpoint(string text) => IPEndPoint.Parse(text);
}
