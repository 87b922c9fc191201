using System.Diagnostics.Metrics;
using AptP2P.Engine.Stats;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AptP2P.Web.Operations;

/// <summary>
/// The node's figures as <see cref="System.Diagnostics.Metrics"/> instruments (meter <c>AptP2P</c>), exported in Prometheus
/// text format at <c>GET /metrics</c> by OpenTelemetry. Observable instruments read the engine's own counters when
/// scraped: traffic live from <see cref="TrafficStatistics"/>, the rest from the dashboard's snapshot (at most a second old).
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "AptP2P";
    private static int _hosts;
    private readonly Meter _meter;
    private readonly IStatisticsFeed _feed;

    public NodeMetrics(IMeterFactory meters, TrafficStatistics traffic, IStatisticsFeed feed, Name name)
    {
        _meter = meters.Create(name.Value);
        _feed = feed;
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

    public void Dispose() => _meter.Dispose();

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
