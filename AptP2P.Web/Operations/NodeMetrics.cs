using System.Diagnostics.Metrics;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Lookups;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AptP2P.Web.Operations;

/// <summary>
/// The node's figures as <see cref="System.Diagnostics.Metrics"/> instruments (meter <c>AptP2P</c>), exported in Prometheus
/// text format at <c>GET /metrics</c> by OpenTelemetry. Observable instruments read the engine's own counters when
/// scraped: traffic live from <see cref="TrafficStatistics"/>, the rest from the dashboard's snapshot (at most a second old).
/// What a snapshot cannot give, a distribution or a count by outcome, is recorded as it happens from the engine's events:
/// <see cref="DhtService.LookupEnded"/> and <see cref="TransferCoordinator.Ended"/>.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "AptP2P";
    private static int _hosts;

    /// <summary>
    /// Bounds of the lookup histogram, in seconds: a lookup among LAN nodes ends in tens of milliseconds, one on the public
    /// DHT in one to a few seconds, and one that waits out its slow and silent nodes takes tens of seconds.
    /// </summary>
    public static readonly IReadOnlyList<double> LookupBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

    private readonly Meter _meter;
    private readonly IStatisticsFeed _feed;
    private readonly DhtService _dht;
    private readonly TransferCoordinator _transfers;
    private readonly Histogram<double> _lookupDuration;
    private readonly Counter<long> _transfersCompleted;

    public NodeMetrics(IMeterFactory meters, TrafficStatistics traffic, IStatisticsFeed feed, DhtService dht, TransferCoordinator transfers, Name name)
    {
        _meter = meters.Create(name.Value);
        _feed = feed;
        _dht = dht;
        _transfers = transfers;
        _lookupDuration = _meter.CreateHistogram("aptp2p.dht.lookup.duration", "s", "Duration of DHT lookups by kind (find_node, get_peers, get) and outcome (finished, cancelled)",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LookupBuckets });
        _transfersCompleted = _meter.CreateCounter<long>("aptp2p.transfers.completed", "{transfer}",
            "Transfers ended, by result (stored, not_modified, upstream_status, failed, hash_mismatch) and source (mirror, peers, mirror_and_peers, none)");
        _meter.CreateObservableCounter("aptp2p.requests", () => traffic.Snapshot().Requests, "{request}", "Requests apt made to the proxy");
        _meter.CreateObservableCounter("aptp2p.cache.hits", () => traffic.Snapshot().CacheHits, "{request}", "Requests answered from the cache");
        _meter.CreateObservableCounter("aptp2p.cache.misses", () => traffic.Snapshot().CacheMisses, "{request}", "Cacheable requests not in the cache");
        _meter.CreateObservableCounter("aptp2p.refused", () => traffic.Snapshot().RefusedRequests, "{request}", "Requests refused (access, policy)");
        _meter.CreateObservableCounter("aptp2p.hash_mismatches", () => traffic.Snapshot().HashMismatches, "{file}", "Files that failed their index hash");
        _meter.CreateObservableCounter("aptp2p.bad_pieces", () => traffic.Snapshot().BadPieces, "{piece}", "Pieces from peers that failed their hash");
        _meter.CreateObservableCounter("aptp2p.transfer", () => Bytes(traffic.Snapshot()), "By", "Bytes by source: mirror, peers, cache (read), clients (sent to apt), uploaded (to peers)");
        _meter.CreateObservableGauge("aptp2p.transfers.active", () => feed.Current.Active.Count, "{transfer}", "Transfers running now");
        _meter.CreateObservableGauge("aptp2p.peers", () => feed.Current.Peers.Count, "{peer}", "Peers this node exchanged files with");
        _meter.CreateObservableGauge("aptp2p.cache.size", () => feed.Current.Cache.TotalSize, "By", "Bytes in the content store");
        _meter.CreateObservableGauge("aptp2p.cache.files", () => feed.Current.Cache.Files, "{file}", "Files in the content store");
        _meter.CreateObservableGauge("aptp2p.cache.limit", () => feed.Current.Cache.SizeLimit, "By", "The content store's size limit");
        _meter.CreateObservableGauge("aptp2p.dht.nodes", () => feed.Current.Dht?.Node.RoutingTableSize ?? 0, "{node}", "Nodes in the DHT routing table");
        _meter.CreateObservableCounter("aptp2p.dht.lookups.started", () => feed.Current.Dht?.Node.LookupsStarted ?? 0, "{lookup}", "DHT lookups started");
        _meter.CreateObservableCounter("aptp2p.dht.lookups.completed", () => feed.Current.Dht?.Node.LookupsCompleted ?? 0, "{lookup}", "DHT lookups completed");
        _meter.CreateObservableGauge("aptp2p.dht.lookups.running", () => feed.Current.Dht?.Node.LookupsRunning ?? 0, "{lookup}", "DHT lookups running now");
        _meter.CreateObservableGauge("aptp2p.dht.query.rtt", Rtt, "ms", "Round-trip time of DHT queries by quantile");
        dht.LookupEnded += OnLookupEnded;
        transfers.Ended += OnTransferEnded;
    }

    // Under the DHT node's lock: recording into a histogram takes no lock of ours and never waits.
    private void OnLookupEnded(LookupKind kind, LookupResult result) =>
        _lookupDuration.Record(result.Elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("kind", KindName(kind)),
            new KeyValuePair<string, object?>("outcome", result.Cancelled ? "cancelled" : "finished"));

    private void OnTransferEnded(Transfer transfer)
    {
        var result = transfer.Completion.IsCompletedSuccessfully ? transfer.Completion.Result : TransferResult.Failed;
        _transfersCompleted.Add(1,
            new KeyValuePair<string, object?>("result", ResultName(result)),
            new KeyValuePair<string, object?>("source", SourceOf(transfer)));
    }

    private static string KindName(LookupKind kind) => kind switch
    {
        LookupKind.FindNode => "find_node",
        LookupKind.GetPeers => "get_peers",
        _ => "get",
    };

    private static string ResultName(TransferResult result) => result switch
    {
        TransferResult.Stored => "stored",
        TransferResult.NotModified => "not_modified",
        TransferResult.UpstreamStatus => "upstream_status",
        TransferResult.HashMismatch => "hash_mismatch",
        _ => "failed",
    };

    /// <summary>Where the bytes came from: every source other than the mirror is a peer.</summary>
    private static string SourceOf(Transfer transfer)
    {
        var sources = transfer.BytesBySource;
        var mirror = sources.GetValueOrDefault(SourceNames.Mirror) > 0;
        var peers = sources.Any(s => s.Key != SourceNames.Mirror && s.Value > 0);
        return (mirror, peers) switch
        {
            (true, true) => "mirror_and_peers",
            (true, false) => "mirror",
            (false, true) => "peers",
            _ => "none",
        };
    }

    private static IEnumerable<Measurement<long>> Bytes(TrafficSnapshot t) =>
    [
        new(t.BytesFromMirror, new KeyValuePair<string, object?>("source", "mirror")),
        new(t.BytesFromPeers, new KeyValuePair<string, object?>("source", "peers")),
        new(t.BytesFromCache, new KeyValuePair<string, object?>("source", "cache")),
        new(t.BytesToClients, new KeyValuePair<string, object?>("source", "clients")),
        new(t.BytesUploaded, new KeyValuePair<string, object?>("source", "uploaded")),
    ];

    private IEnumerable<Measurement<double>> Rtt()
    {
        if (_feed.Current.Dht?.Node.Rtt is not { Samples: > 0 } rtt)
            return [];
        return
        [
            new(rtt.MedianMs, new KeyValuePair<string, object?>("quantile", "0.5")),
            new(rtt.P90Ms, new KeyValuePair<string, object?>("quantile", "0.9")),
            new(rtt.P99Ms, new KeyValuePair<string, object?>("quantile", "0.99")),
        ];
    }

    public void Dispose()
    {
        _dht.LookupEnded -= OnLookupEnded;
        _transfers.Ended -= OnTransferEnded;
        _meter.Dispose();
    }

    /// <summary>This host's meter name.</summary>
    public sealed record Name(string Value);

    /// <summary>The instruments, the OpenTelemetry pipeline that reads them, and its Prometheus exporter.</summary>
    public static void AddTo(IServiceCollection services)
    {
        // OpenTelemetry listens to meters by name across the whole process: a second host in one process (tests run many
        // nodes side by side) gets its own name, so each node's /metrics shows its own figures. The node alone is "AptP2P".
        var host = Interlocked.Increment(ref _hosts);
        var name = new Name(host == 1 ? MeterName : $"{MeterName}.{host}");
        services.AddSingleton(name);
        services.AddSingleton<NodeMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("aptp2p", serviceVersion: Cli.CommandLine.VersionText))
            // Every scrape reads the counters afresh: the exporter's default keeps an answer for 300 ms.
            .WithMetrics(metrics => metrics.AddMeter(name.Value).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
    }

    /// <summary>Creates the instruments before the first scrape (an observable instrument exists only once constructed).</summary>
    public static void Start(IServiceProvider services) => services.GetRequiredService<NodeMetrics>();
}
