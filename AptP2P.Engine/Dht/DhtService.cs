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
/// The DHT as a service of the engine: binds the UDP sockets (<c>AptP2P:Port</c>, <c>AptP2P:BindAddress</c>: one node per
/// address family, BEP 32), restores the saved state, keeps bootstrapping in the background, and saves the routing tables
/// and stored values in batches. Lookups run on both families at once and announces go to both.
/// </summary>
public sealed partial class DhtService(
    IOptionsMonitor<DhtOptions> options,
    IOptions<AptP2POptions> node,
    IOptionsMonitor<DiscoveryOptions> discovery,
    NodeEndpoints endpoints,
    DhtStateStore store,
    TimeProvider time,
    ILoggerFactory loggers,
    PortMapping.IPortMappingStatus? portMapping = null) : IHostedService, IDht, IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggers.CreateLogger<DhtService>();
    private readonly TaskCompletionSource<IReadOnlyList<DhtNode>> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private DhtNode[] _nodes = [];
    private IReadOnlyList<LanOnlyTransport> _transports = [];
    private Task _background = Task.CompletedTask;
    private int _disposed;
    private IDisposable? _optionsChanged;

    /// <summary>Raised when a lookup of either family's node ends (<see cref="DhtNode.LookupEnded"/>, under that node's lock).</summary>
    public event Action<Lookups.LookupKind, Lookups.LookupResult>? LookupEnded;

    /// <summary>The IPv4 node, or the only node (null before start).</summary>
    public DhtNode? Node => _nodes.Length > 0 ? _nodes[0] : null;

    /// <summary>The IPv6 node beside the IPv4 one (dual stack); null when there is only one node.</summary>
    public DhtNode? Node6 => _nodes.Length > 1 ? _nodes[1] : null;

    /// <summary>Every running node: one per address family.</summary>
    public IReadOnlyList<DhtNode> Nodes => _nodes;

    /// <summary>The node that speaks <paramref name="endPoint"/>'s family, if one runs.</summary>
    public DhtNode? NodeFor(IPEndPoint endPoint) => _nodes.FirstOrDefault(n => n.Speaks(endPoint));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var bind = IPAddress.TryParse(node.Value.BindAddress, out var parsed) ? parsed : IPAddress.IPv6Any;
        var saved = await store.LoadAsync(cancellationToken);
        var transports = new List<LanOnlyTransport>();
        var nodes = new List<DhtNode>();
        foreach (var address in NodeEndpoints.ListenAddresses(bind))
        {
            UdpDhtTransport udp;
            try
            {
                udp = new UdpDhtTransport(new IPEndPoint(address, node.Value.Port), loggers.CreateLogger<UdpDhtTransport>());
            }
            catch (System.Net.Sockets.SocketException ex) when (nodes.Count > 0 || address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                // IPv6 configured off on this machine (or its port taken there): the node runs on IPv4 alone and says so.
                LogFamilyUnavailable(address, ex.SocketErrorCode);
                continue;
            }
            var transport = new LanOnlyTransport(udp, () => !discovery.CurrentValue.PublicDht);
            var family = udp.LocalEndPoint.AddressFamily;
            var id = family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? saved.Id6 : saved.Id;
            transports.Add(transport);
            var dht = new DhtNode(transport, settings, time, loggers.CreateLogger<DhtNode>(), id) { MappingNote = MappingNote };
            dht.LookupEnded += (kind, result) => LookupEnded?.Invoke(kind, result);
            nodes.Add(dht);
        }
        if (nodes.Count == 2)
            (nodes[0].Sibling, nodes[1].Sibling) = (nodes[1], nodes[0]);
        foreach (var dht in nodes)
        {
            foreach (var (contact, lastSeen) in saved.Nodes)
                dht.Restore(contact, lastSeen);
            dht.Read(n =>
            {
                foreach (var peer in saved.Peers.Where(p => n.Speaks(p.Peer)))
                    n.Peers.Load(peer);
                foreach (var item in saved.Items)
                    n.Items.Load(item);
                return 0;
            });
            // Saved rows beyond the bounds (a lowered bound, or a database from before the disk was bounded) are pruned now.
            FlushStores(dht);
            dht.Start();
        }
        _optionsChanged = options.OnChange(o =>
        {
            foreach (var dht in nodes)
                dht.Reconfigure(o);
        });
        _transports = transports;
        _nodes = [.. nodes];
        endpoints.RecordDhtPort(transports[0].LocalEndPoint.Port);
        foreach (var dht in nodes)
            LogStarted(dht.LocalEndPoint, dht.Id, dht.KnownNodes);
        _background = Task.WhenAll([
            .. nodes.Select(dht => dht.RunBootstrapAsync(ResolveRoutersAsync, _stopping.Token)),
            PersistAsync(_stopping.Token)]);
        _started.TrySetResult(nodes);
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
        if (_nodes.Length == 0)
            return;
        try
        {
            foreach (var dht in _nodes)
                FlushStores(dht);
            var saved = await SaveRoutingTablesAsync(CancellationToken.None).WaitAsync(StopBound, CancellationToken.None);
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

    /// <summary>The gateway's word, when it maps our UDP port: a hint beside the evidence, not evidence (a firewall may still drop).</summary>
    private string? MappingNote() =>
        portMapping?.Status() is { Protocol: { } protocol, ExternalUdpPort: { } port } status
            ? $"the gateway maps UDP port {port}{(status.ExternalAddress is null ? "" : " of " + status.ExternalAddress)} to us ({protocol})"
            : null;

    /// <summary>Datagrams the DHT did not send because they were for the public network while <c>PublicDht</c> is off.</summary>
    public long BlockedOutgoing => _transports.Sum(t => t.Blocked);

    private async Task<IReadOnlyList<IPEndPoint>> ResolveRoutersAsync(CancellationToken cancellationToken)
    {
        var publicDht = discovery.CurrentValue.PublicDht;
        // A LAN-only swarm bootstraps from LAN routers only (local discovery does the rest), and does not even ask DNS for
        // the public ones.
        var entries = publicDht ? options.CurrentValue.BootstrapNodes : options.CurrentValue.BootstrapNodes.Except(DhtOptions.PublicRouters);
        var routers = await BootstrapEndpoint.ResolveAsync(entries, ResolveTimeout, cancellationToken);
        return publicDht ? routers : [.. routers.Where(AddressScope.IsLan)];
    }

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        var lastSave = time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var dht in _nodes)
                    FlushStores(dht);
                if (time.GetUtcNow() - lastSave >= TimeSpan.FromMinutes(options.CurrentValue.SaveIntervalMinutes))
                {
                    lastSave = time.GetUtcNow();
                    await SaveRoutingTablesAsync(cancellationToken);
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

    /// <summary>Saves the nodes that have answered us, with our ids and external addresses, for the next start.</summary>
    /// <returns>How many nodes were saved.</returns>
    private async Task<int> SaveRoutingTablesAsync(CancellationToken cancellationToken)
    {
        var tables = _nodes.Select(dht => dht.Read(n => new DhtSavedTable(n.Family, n.Id, n.ExternalAddress,
            [.. n.Table.Nodes.Where(r => r.LastResponse != default).Select(r => (r.Contact, r.LastResponse))]))).ToList();
        await store.SaveRoutingTablesAsync(tables, cancellationToken);
        return tables.Sum(t => t.Nodes.Count);
    }

    private Task<IReadOnlyList<DhtNode>> RunningAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    /// <summary>Both families' lookups at once; each peer once, in the order they arrive.</summary>
    public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var nodes = await RunningAsync(cancellationToken);
        if (nodes.Count == 1)
        {
            await foreach (var peer in nodes[0].FindPeersAsync(key, cancellationToken))
                yield return peer;
            yield break;
        }
        var found = System.Threading.Channels.Channel.CreateUnbounded<IPEndPoint>(new() { SingleReader = true });
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lookups = Task.WhenAll(nodes.Select(async dht =>
        {
            await foreach (var peer in dht.FindPeersAsync(key, both.Token))
                found.Writer.TryWrite(peer);
        })).ContinueWith(t => { found.Writer.TryComplete(t.Exception?.InnerException is OperationCanceledException ? null : t.Exception?.InnerException); },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var seen = new HashSet<IPEndPoint>();
        try
        {
            await foreach (var peer in found.Reader.ReadAllAsync(cancellationToken))
            {
                if (seen.Add(peer))
                    yield return peer;
            }
        }
        finally
        {
            await both.CancelAsync();
            await lookups.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken)
    {
        var nodes = await RunningAsync(cancellationToken);
        // An address others cannot reach is not handed out: an unreachable family announces nothing (it still downloads).
        var reachable = nodes.Where(dht => dht.Reachability.State != ReachabilityState.Unreachable).ToList();
        var stored = await Task.WhenAll(reachable.Select(dht => dht.AnnounceAsync(key, port, cancellationToken)));
        LogAnnounced(key, port, stored.Sum());
    }

    public async Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken)
    {
        var nodes = await RunningAsync(cancellationToken);
        var stored = await Task.WhenAll(nodes.Select(dht => dht.PublishPieceListAsync(file, bencodedV, cancellationToken)));
        LogPublished(file, stored.Sum());
    }

    /// <summary>The first piece list either family finds; the other lookup is cancelled then.</summary>
    public async Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken)
    {
        var nodes = await RunningAsync(cancellationToken);
        if (nodes.Count == 1)
            return await nodes[0].FetchPieceListAsync(file, cancellationToken);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = nodes.Select(dht => dht.FetchPieceListAsync(file, both.Token)).ToList();
        try
        {
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                if (done.IsCompletedSuccessfully && done.Result is { } list)
                    return list;
                if (done.IsFaulted && pending.Count == 0)
                    await done;
            }
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
        finally
        {
            await both.CancelAsync();
            await ((Task)Task.WhenAll(pending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public int KnownNodes => _nodes.Sum(n => n.KnownNodes);

    /// <summary>The IPv4 node's statistics (or the only node's), with the IPv6 node's beside them.</summary>
    public DhtStatistics GetStatistics()
    {
        if (Node is not { } first)
            throw new InvalidOperationException("The DHT has not started yet.");
        var statistics = first.GetStatistics();
        return Node6 is { } second ? statistics with { Ipv6 = second.GetStatistics() } : statistics;
    }

    // Registered under three service types, so the container disposes it three times: only the first counts.
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stopping.CancelAsync();
        _optionsChanged?.Dispose();
        await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var dht in _nodes)
            await dht.DisposeAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DHT listening on udp {EndPoint} as {Id}; {Nodes} saved nodes restored")]
    private partial void LogStarted(IPEndPoint endPoint, NodeId id, int nodes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT not listening on {Address}: {Error} (the other address family still works)")]
    private partial void LogFamilyUnavailable(IPAddress address, System.Net.Sockets.SocketError error);

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
