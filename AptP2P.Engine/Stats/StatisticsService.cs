using System.Reflection;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Transfers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Stats;

/// <summary>
/// Samples the engine a few times a second (counters, transfers, peers, cache, DHT) into one <see cref="NodeStatistics"/>
/// snapshot and pushes it to every watcher when something changed, at least once a second (uptime, the chart's time axis).
/// Keeps the throughput of the last minutes and the traffic per day.
/// </summary>
public sealed class StatisticsService : IStatisticsFeed, IHostedService, IDisposable
{
    /// <summary>How often the engine is sampled, and so the fastest rate of updates.</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The spacing of the throughput history.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly TrafficStatistics _traffic;
    private readonly TransferCoordinator _transfers;
    private readonly PeerScoreBoard _peers;
    private readonly ContentStore _cache;
    private readonly HashIndex _index;
    private readonly IDht _dht;
    private readonly LanDirectory? _lan;
    private readonly IOptionsMonitor<DiscoveryOptions>? _discovery;
    private readonly TimeProvider _time;
    private readonly ThroughputHistory _history = new();
    private readonly DailyTraffic _days;
    private readonly TransferRates _rates = new();
    private readonly LatestValueBroadcast<NodeStatistics> _broadcast;
    private readonly string _version;
    private ITimer? _timer;
    private int _sampling;
    private int _lastFingerprint;
    private (TrafficSnapshot Traffic, DhtStatistics? Dht, DateTimeOffset At)? _lastSample;
    private ThroughputSample _throughput;
    private (double Lookups, double QueriesIn, double QueriesOut) _dhtRates;

    public StatisticsService(TrafficStatistics traffic, TransferCoordinator transfers, PeerScoreBoard peers, ContentStore cache,
        HashIndex index, IDht dht, TimeProvider time, LanDirectory? lan = null, IOptionsMonitor<DiscoveryOptions>? discovery = null)
    {
        _lan = lan;
        _discovery = discovery;
        _traffic = traffic;
        _transfers = transfers;
        _peers = peers;
        _cache = cache;
        _index = index;
        _dht = dht;
        _time = time;
        _days = new DailyTraffic(time);
        _version = VersionOf(typeof(StatisticsService).Assembly);
        _throughput = ThroughputSample.Idle(time.GetUtcNow());
        _broadcast = new LatestValueBroadcast<NodeStatistics>(NodeStatistics.Empty(time.GetUtcNow(), _version));
    }

    public NodeStatistics Current => _broadcast.Current;

    public IReadOnlyList<ThroughputSample> History => _history.Snapshot();

    /// <summary>Pages and hub clients watching right now.</summary>
    public int WatcherCount => _broadcast.WatcherCount;

    public IAsyncEnumerable<NodeStatistics> WatchAsync(CancellationToken cancellationToken) => _broadcast.WatchAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Sample();
        _timer = _time.CreateTimer(_ => Sample(), null, PublishInterval, PublishInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Takes one sample and publishes it if anything changed (or a second has passed). Ticks that overlap are skipped.</summary>
    public void Sample()
    {
        if (Interlocked.Exchange(ref _sampling, 1) == 1)
            return;
        try
        {
            var now = _time.GetUtcNow();
            var traffic = _traffic.Snapshot();
            var dht = ReadDht();
            var newSecond = _lastSample is not { } last || now - last.At >= SampleInterval;
            if (newSecond)
                RecordSecond(traffic, dht, now);

            var active = _transfers.Active.OrderBy(t => t.StartedAt).ToList();
            _rates.Update(active, now);
            var statistics = new NodeStatistics(
                now,
                _version,
                now - traffic.Since,
                traffic,
                _days.Today(traffic),
                _throughput,
                [.. active.Select(t => TransferStatus.From(t, _rates.Of(t), _index.CanonicalPathOf(t.Url)))],
                [.. _transfers.Recent.Select(t => TransferStatus.From(t, TransferRates.Average(t), _index.CanonicalPathOf(t.Url)))],
                [.. _peers.Snapshot().Select(p => PeerStatus.From(p, IsLan(p.Peer)))],
                new CacheSummary(_cache.Count, _cache.TotalSize, _cache.SizeLimit, traffic.CacheHits, traffic.CacheMisses, _index.Count, _index.ArchiveCount),
                dht is null ? null : new DhtSummary(dht, _dhtRates.Lookups, _dhtRates.QueriesIn, _dhtRates.QueriesOut))
            {
                Lan = _discovery?.CurrentValue is { } mode
                    ? new LanSummary(mode.Lan, mode.PublicDht, mode.HasSwarmKey, _lan?.Count ?? 0)
                    : LanSummary.Off,
            };

            var fingerprint = Fingerprint(statistics);
            if (newSecond || fingerprint != _lastFingerprint)
            {
                _lastFingerprint = fingerprint;
                _broadcast.Publish(statistics);
            }
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    /// <summary>The rule the swarm counts LAN bytes by.</summary>
    private bool IsLan(System.Net.IPEndPoint peer) => _lan?.IsOnLan(peer) ?? AddressScope.IsLan(peer.Address);

    private void RecordSecond(TrafficSnapshot traffic, DhtStatistics? dht, DateTimeOffset now)
    {
        if (_lastSample is { } last)
        {
            var elapsed = now - last.At;
            _throughput = ThroughputSample.Between(last.Traffic, traffic, now, elapsed);
            if (dht is not null && last.Dht is { } before)
            {
                var seconds = elapsed.TotalSeconds;
                _dhtRates = (
                    Math.Max(0, dht.LookupsStarted - before.LookupsStarted) / seconds,
                    Math.Max(0, dht.QueriesIn - before.QueriesIn) / seconds,
                    Math.Max(0, dht.QueriesOut - before.QueriesOut) / seconds);
            }
        }
        else
        {
            _throughput = ThroughputSample.Idle(now);
        }
        _history.Add(_throughput);
        _lastSample = (traffic, dht, now);
    }

    private DhtStatistics? ReadDht()
    {
        try
        {
            return _dht.GetStatistics();
        }
        catch (InvalidOperationException)
        {
            // Not started yet (or stopping): the overview says so.
            return null;
        }
    }

    private static int Fingerprint(NodeStatistics s)
    {
        var hash = new HashCode();
        hash.Add(s.Total with { Since = default });
        hash.Add(s.Active.Count);
        foreach (var t in s.Active)
            hash.Add((t.Key, t.BytesWritten, t.Readers, t.State));
        hash.Add(s.Recent.Count);
        hash.Add(s.Recent.Count > 0 ? s.Recent[0].Key : null);
        hash.Add(s.Peers.Count);
        foreach (var p in s.Peers)
            hash.Add((p.BytesDownloaded, p.BytesUploaded, p.Failures, p.BannedUntil));
        hash.Add(s.Cache);
        hash.Add(s.Lan);
        if (s.Dht is { } dht)
            hash.Add((dht.Node.QueriesIn, dht.Node.QueriesOut, dht.Node.RoutingTableSize, dht.Node.StoredItems, dht.Node.ExternalAddress));
        return hash.ToHashCode();
    }

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var version = informational ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
