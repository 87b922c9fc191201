using System.Net;
using System.Runtime.CompilerServices;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht.Persistence;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Dht;

/// <summary>
/// The DHT as a service of the engine: binds the UDP socket (<c>AptP2P:Port</c>, <c>AptP2P:BindAddress</c>), restores the
/// saved state, keeps bootstrapping in the background, and saves the routing table and stored values in batches.
/// </summary>
public sealed partial class DhtService(
    IOptionsMonitor<DhtOptions> options,
    IOptions<AptP2POptions> node,
    IOptionsMonitor<DiscoveryOptions> discovery,
    NodeEndpoints endpoints,
    DhtStateStore store,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDht, IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggers.CreateLogger<DhtService>();
    private readonly TaskCompletionSource<DhtNode> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private DhtNode? _node;
    private LanOnlyTransport? _transport;
    private Task _background = Task.CompletedTask;
    private int _disposed;
    private IDisposable? _optionsChanged;

    /// <summary>The running node (null before start).</summary>
    public DhtNode? Node => _node;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var address = IPAddress.TryParse(node.Value.BindAddress, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? parsed : IPAddress.Any;
        var transport = new LanOnlyTransport(
            new UdpDhtTransport(new IPEndPoint(address, node.Value.Port), loggers.CreateLogger<UdpDhtTransport>()),
            () => !discovery.CurrentValue.PublicDht);
        _transport = transport;
        var saved = await store.LoadAsync(cancellationToken);
        var dht = new DhtNode(transport, settings, time, loggers.CreateLogger<DhtNode>(), saved.Id);
        foreach (var (contact, lastSeen) in saved.Nodes)
            dht.Restore(contact, lastSeen);
        dht.Read(n =>
        {
            foreach (var peer in saved.Peers)
                n.Peers.Load(peer);
            foreach (var item in saved.Items)
                n.Items.Load(item);
            return 0;
        });
        // Saved rows beyond the bounds (a lowered bound, or a database from before the disk was bounded) are pruned now.
        FlushStores(dht);
        dht.Start();
        _optionsChanged = options.OnChange(dht.Reconfigure);
        _node = dht;
        endpoints.RecordDhtPort(transport.LocalEndPoint.Port);
        LogStarted(transport.LocalEndPoint, dht.Id, saved.Nodes.Count);
        _background = Task.WhenAll(
            dht.RunBootstrapAsync(ResolveRoutersAsync, _stopping.Token),
            PersistAsync(dht, _stopping.Token));
        _started.TrySetResult(dht);
    }

    /// <summary>
    /// Bounds of the stop: the background loops get this long to end, and the final save of the routing table this long
    /// again. Neither follows the host's shutdown token, which the HTTP drain may have used up: a restarted node relies on
    /// the save, so it runs on its own bound, and a save that cannot finish says so instead of throwing.
    /// </summary>
    public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(1.5);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _background.WaitAsync(StopBound, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            LogBackgroundSlow(StopBound.TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBackgroundFailed(ex);
        }
        if (_node is not { } dht)
            return;
        try
        {
            FlushStores(dht);
            var saved = await SaveRoutingTableAsync(dht, CancellationToken.None).WaitAsync(StopBound, CancellationToken.None);
            LogFinalSave(saved);
        }
        catch (TimeoutException)
        {
            LogFinalSaveTimedOut(StopBound.TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFinalSaveFailed(ex);
        }
    }

    /// <summary>Datagrams the DHT did not send because they were for the public network while <c>PublicDht</c> is off.</summary>
    public long BlockedOutgoing => _transport?.Blocked ?? 0;

    private async Task<IReadOnlyList<IPEndPoint>> ResolveRoutersAsync(CancellationToken cancellationToken)
    {
        var publicDht = discovery.CurrentValue.PublicDht;
        // A LAN-only swarm bootstraps from LAN routers only (local discovery does the rest), and does not even ask DNS for
        // the public ones.
        var entries = publicDht ? options.CurrentValue.BootstrapNodes : options.CurrentValue.BootstrapNodes.Except(DhtOptions.PublicRouters);
        var routers = await BootstrapEndpoint.ResolveAsync(entries, ResolveTimeout, cancellationToken);
        return publicDht ? routers : [.. routers.Where(AddressScope.IsLan)];
    }

    private async Task PersistAsync(DhtNode dht, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        var lastSave = time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                FlushStores(dht);
                if (time.GetUtcNow() - lastSave >= TimeSpan.FromMinutes(options.CurrentValue.SaveIntervalMinutes))
                {
                    lastSave = time.GetUtcNow();
                    await SaveRoutingTableAsync(dht, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void FlushStores(DhtNode dht)
    {
        var (peers, items) = dht.Read(n => (n.Peers.DrainChanges(), n.Items.DrainChanges()));
        if (peers.Count > 0 || items.Count > 0)
            store.EnqueueStoreChanges(peers, items);
    }

    /// <summary>Saves the nodes that have answered us, with our id and external address, for the next start.</summary>
    /// <returns>How many nodes were saved.</returns>
    private async Task<int> SaveRoutingTableAsync(DhtNode dht, CancellationToken cancellationToken)
    {
        var (id, external, nodes) = dht.Read(n => (n.Id, n.ExternalAddress,
            n.Table.Nodes.Where(r => r.LastResponse != default).Select(r => (r.Contact, r.LastResponse)).ToList()));
        await store.SaveRoutingTableAsync(id, external, nodes, cancellationToken);
        return nodes.Count;
    }

    private Task<DhtNode> RunningAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dht = await RunningAsync(cancellationToken);
        await foreach (var peer in dht.FindPeersAsync(key, cancellationToken))
            yield return peer;
    }

    public async Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken)
    {
        var dht = await RunningAsync(cancellationToken);
        var stored = await dht.AnnounceAsync(key, port, cancellationToken);
        LogAnnounced(key, port, stored);
    }

    public async Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken)
    {
        var dht = await RunningAsync(cancellationToken);
        var stored = await dht.PublishPieceListAsync(file, bencodedV, cancellationToken);
        LogPublished(file, stored);
    }

    public async Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken)
    {
        var dht = await RunningAsync(cancellationToken);
        return await dht.FetchPieceListAsync(file, cancellationToken);
    }

    public int KnownNodes => _node?.KnownNodes ?? 0;

    public DhtStatistics GetStatistics() =>
        _node?.GetStatistics() ?? throw new InvalidOperationException("The DHT has not started yet.");

    // Registered under three service types, so the container disposes it three times: only the first counts.
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stopping.CancelAsync();
        _optionsChanged?.Dispose();
        await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_node is not null)
            await _node.DisposeAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT listening on udp {EndPoint} as {Id}; {Nodes} saved nodes restored")]
    private partial void LogStarted(IPEndPoint endPoint, NodeId id, int nodes);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT stopped: routing table saved ({Nodes} nodes)")]
    private partial void LogFinalSave(int nodes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT stopped without its final save: the routing table was not written within {Seconds} s (the next start uses the last periodic save)")]
    private partial void LogFinalSaveTimedOut(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT stopped without its final save: the routing table could not be written")]
    private partial void LogFinalSaveFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT background work did not end within {Seconds} s of the stop; saving anyway")]
    private partial void LogBackgroundSlow(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT background work failed while stopping; saving anyway")]
    private partial void LogBackgroundFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Announced {Key} with port {Port} to {Stored} nodes")]
    private partial void LogAnnounced(InfoHash key, int port, int stored);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published the piece list of {File} to {Stored} nodes")]
    private partial void LogPublished(ContentHash file, int stored);
}
