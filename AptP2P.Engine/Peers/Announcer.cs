using System.Threading.Channels;
using System.Threading.RateLimiting;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Node;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.PortMapping;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Peers;

/// <summary>
/// Tells the DHT what we hold (PROTOCOL.md §2): a verified file is announced, with its piece list published, as soon as it
/// enters the cache; everything held is announced again every 25 minutes with jitter, under a global rate cap so a large
/// cache never floods the network; an evicted file is simply no longer announced.
/// </summary>
public sealed partial class Announcer : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(25);
    private const int AnnouncesPerSecond = 10;
    private static readonly TimeSpan Postponed = TimeSpan.FromSeconds(3);
    private const int Parallel = 4;

    private readonly IDht _dht;
    private readonly ContentStore _store;
    private readonly Apt.Index.HashIndex _index;
    private readonly PieceListStore _pieceLists;
    private readonly NodeEndpoints _node;
    private readonly IOptionsMonitor<PeerOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<Announcer> _logger;
    private readonly IPortMappingStatus? _portMapping;
    private readonly AnnounceSchedule _schedule = new();
    private readonly Channel<ContentHash> _queue = Channel.CreateUnbounded<ContentHash>();
    private readonly TokenBucketRateLimiter _rate = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = AnnouncesPerSecond,
        TokensPerPeriod = AnnouncesPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = int.MaxValue,
        AutoReplenishment = true,
    });

    public Announcer(IDht dht, ContentStore store, Apt.Index.HashIndex index, PieceListStore pieceLists, NodeEndpoints node, IOptionsMonitor<PeerOptions> options,
        TimeProvider time, ILogger<Announcer> logger, IPortMappingStatus? portMapping = null)
    {
        _portMapping = portMapping;
        _dht = dht;
        _store = store;
        _index = index;
        _pieceLists = pieceLists;
        _node = node;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Announces a file that has just entered the cache (a verified download, a shared <c>.deb</c>) now, and from then on
    /// every <see cref="Interval"/>. Unverified files are never announced.
    /// </summary>
    public void Announce(CacheEntry entry)
    {
        if (!entry.Verified || _index.IsWithheld(entry.Hash))
            return;
        _schedule.Schedule(entry.Hash, NextDue());
        _queue.Writer.TryWrite(entry.Hash);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What was held before the restart: spread over the first two minutes, not all at once.
        var now = _time.GetUtcNow();
        foreach (var entry in _store.Entries.Where(e => e.Verified))
            _schedule.TryAdd(entry.Hash, now + TimeSpan.FromSeconds(Random.Shared.Next(5, 120)));

        var workers = Enumerable.Range(0, Parallel).Select(_ => WorkAsync(stoppingToken)).ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var earlier = _schedule.Earlier;
                foreach (var hash in _schedule.TakeDue(_time.GetUtcNow()))
                {
                    // A file that left the cache since is simply not announced again.
                    if (_store.Find(hash) is { Verified: true })
                    {
                        _schedule.Schedule(hash, NextDue());
                        _queue.Writer.TryWrite(hash);
                    }
                }
                await WaitForNextAsync(earlier, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _queue.Writer.TryComplete();
        await Task.WhenAll(workers);
    }

    /// <summary>
    /// True when a verified file stored now is announced at once, with its piece list (the node has DHT nodes to tell): the
    /// list is then worth hashing in the pass that writes the file. A node alone computes a list only when asked for it.
    /// </summary>
    public bool AnnouncesAtOnce => _options.CurrentValue.Announce && _node.HttpPort != 0 && _dht.KnownNodes > 0;

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var hash in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!_options.CurrentValue.Announce || _node.HttpPort == 0 || _store.Find(hash) is not { Verified: true } entry || _index.IsWithheld(hash))
                    continue;
                if (_dht.KnownNodes == 0)
                {
                    // Nobody to tell yet (still bootstrapping, or alone): an announce now would be lost for 25 minutes.
                    _schedule.Schedule(hash, _time.GetUtcNow() + Postponed);
                    continue;
                }
                using var permit = await _rate.AcquireAsync(1, stoppingToken);
                await AnnounceAsync(entry, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task AnnounceAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var port = AnnouncedPort(_node.HttpPort, _portMapping?.ExternalTcpPort);
            await _dht.AnnounceAsync(InfoHash.FromFile(entry.Hash), port, cancellationToken);
            if (await _pieceLists.GetEncodedAsync(entry.Hash, cancellationToken) is { } encoded)
                await _dht.PublishPieceListAsync(entry.Hash, encoded, cancellationToken);
            LogAnnounced(entry.Hash, port);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogAnnounceFailed(entry.Hash, ex);
        }
    }

    /// <summary>Sleeps until the earliest file is due, or until a file is scheduled before that.</summary>
    private async Task WaitForNextAsync(Task earlier, CancellationToken stoppingToken)
    {
        if (_schedule.Next is not { } next)
        {
            await earlier.WaitAsync(stoppingToken);
            return;
        }
        var delay = next - _time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
            return;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        await Task.WhenAny(earlier, Task.Delay(delay, _time, wake.Token));
        await wake.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The port peers are told: the gateway's external TCP port when a mapping gave one other than ours (peers on the internet
    /// reach us only there), else the HTTP port.
    /// </summary>
    internal static int AnnouncedPort(int httpPort, int? externalTcpPort) =>
        externalTcpPort is { } external && external != httpPort ? external : httpPort;

    private DateTimeOffset NextDue() =>
        _time.GetUtcNow() + Interval * (0.9 + Random.Shared.NextDouble() * 0.2);

    public override void Dispose()
    {
        _rate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Announced {Hash} on port {Port}")]
    private partial void LogAnnounced(ContentHash hash, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce {Hash}")]
    private partial void LogAnnounceFailed(ContentHash hash, Exception exception);
}
