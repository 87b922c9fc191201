using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Krpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// The DHT as the swarm uses it (<see cref="IDht"/>): every node knows every LAN peer, so the LAN is a one-hop DHT. A file's
/// key is announced to, and looked up at, the <see cref="LanReplicas"/> LAN peers whose ids are closest to it, straight away
/// and at the same time as the public lookup. LAN holders come first; internet peers are handed over only when the LAN has
/// none (docs/PROTOCOL-LAN.md §4). With a swarm key, only peers that proved the key are used.
/// </summary>
public sealed partial class LanFirstDht(DhtService dht, LanDirectory lan, IOptionsMonitor<DiscoveryOptions> options, ILogger<LanFirstDht> logger,
    Node.NodeEndpoints? endpoints = null) : IDht
{
    /// <summary>LAN peers a key is announced to and looked up at (BEP 5's K).</summary>
    public const int LanReplicas = 8;

    private static readonly TimeSpan LanQueryTimeout = TimeSpan.FromSeconds(1);

    public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var found = Channel.CreateUnbounded<(IPEndPoint Peer, bool Lan)>();
        var lanDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lanSearch = SearchLanAsync(key, found.Writer, lanDone, stop.Token);
        var publicSearch = SearchDhtAsync(key, found.Writer, stop.Token);
        _ = Task.WhenAll(lanSearch, publicSearch).ContinueWith(_ => found.Writer.TryComplete(), TaskScheduler.Default);

        var seen = new HashSet<IPEndPoint>();
        var heldBack = new List<IPEndPoint>();
        var lanHolders = 0;
        var released = false;
        try
        {
            while (true)
            {
                var readable = found.Reader.WaitToReadAsync(stop.Token).AsTask();
                if (!released)
                    await Task.WhenAny(readable, lanDone.Task);
                // The LAN has answered: without a LAN holder, internet peers are what there is.
                if (!released && lanDone.Task.IsCompleted && lanHolders == 0)
                {
                    released = true;
                    foreach (var peer in heldBack)
                        yield return peer;
                    heldBack.Clear();
                }
                if (!await readable)
                    break;
                while (found.Reader.TryRead(out var item))
                {
                    if (!seen.Add(item.Peer))
                        continue;
                    if (item.Lan)
                    {
                        lanHolders++;
                        yield return item.Peer;
                    }
                    else if (released)
                    {
                        yield return item.Peer;
                    }
                    else
                    {
                        heldBack.Add(item.Peer);
                    }
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    /// <summary>True when <paramref name="peer"/> is on the LAN: a node heard by local discovery, or a LAN-scope address.</summary>
    public bool IsLan(IPEndPoint peer) => lan.Contains(peer) || (!options.CurrentValue.HasSwarmKey && AddressScope.IsLan(peer.Address));

    private async Task SearchLanAsync(InfoHash key, ChannelWriter<(IPEndPoint, bool)> found, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        try
        {
            var replicas = lan.Closest(key.Id, LanReplicas);
            await Task.WhenAll(replicas.Select(async replica =>
            {
                var response = await AskAsync(replica, new KrpcQuery([], KrpcMethod.GetPeers, default) { Target = key.Id }, cancellationToken);
                foreach (var value in response?.Values ?? [])
                {
                    if (Usable(value))
                        found.TryWrite((value, true));
                }
            }));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogLanSearchFailed(key, ex);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async Task SearchDhtAsync(InfoHash key, ChannelWriter<(IPEndPoint, bool)> found, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var peer in dht.FindPeersAsync(key, cancellationToken))
            {
                if (Usable(peer))
                    found.TryWrite((peer, IsLan(peer)));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // A failed lookup is not a failed download: the LAN or the mirror takes over.
            LogDhtSearchFailed(key, ex);
        }
    }

    /// <summary>In a closed swarm a peer is usable only when it proved the key by local discovery.</summary>
    private bool Usable(IPEndPoint peer) => !options.CurrentValue.HasSwarmKey || lan.Contains(peer);

    public async Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken)
    {
        // LAN peers reach our own HTTP port, not the one a port mapping opened on the gateway for the internet.
        var announcing = AnnounceOnLanAsync(key, endpoints is { HttpPort: > 0 } node ? node.HttpPort : port, cancellationToken);
        // In a closed swarm the public DHT would only tell strangers where to ask (and be refused).
        if (!options.CurrentValue.HasSwarmKey)
            await dht.AnnounceAsync(key, port, cancellationToken);
        await announcing;
    }

    private async Task AnnounceOnLanAsync(InfoHash key, int port, CancellationToken cancellationToken)
    {
        var stored = 0;
        await Task.WhenAll(lan.Closest(key.Id, LanReplicas).Select(async replica =>
        {
            var answer = await AskAsync(replica, new KrpcQuery([], KrpcMethod.GetPeers, default) { Target = key.Id }, cancellationToken);
            if (answer?.Token is not { } token)
                return;
            var announce = new KrpcQuery([], KrpcMethod.AnnouncePeer, default) { Target = key.Id, Port = port, Token = token };
            if (await AskAsync(replica, announce, cancellationToken) is not null)
                Interlocked.Increment(ref stored);
        }));
        if (stored > 0)
            LogAnnouncedOnLan(key, stored);
    }

    /// <summary>One query to a LAN peer from the DHT node of its family (the sender id is that node's); null without an answer.</summary>
    private async Task<KrpcResponse?> AskAsync(LanPeer replica, KrpcQuery query, CancellationToken cancellationToken)
    {
        if (dht.NodeFor(replica.EndPoint) is not { } node)
            return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LanQueryTimeout);
        try
        {
            // No expected id: a LAN peer that does not answer here must not cost its entry in the routing table, which may
            // know the same node at another address.
            return await node.QueryAsync(query, replica.EndPoint, expectedId: null, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken) =>
        options.CurrentValue.HasSwarmKey ? Task.CompletedTask : dht.PublishPieceListAsync(file, bencodedV, cancellationToken);

    public Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken) => dht.FetchPieceListAsync(file, cancellationToken);

    public DhtStatistics GetStatistics() => dht.GetStatistics();

    public int KnownNodes => dht.KnownNodes;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Announced {Key} to {Stored} LAN peers")]
    private partial void LogAnnouncedOnLan(InfoHash key, int stored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT lookup of {Key} failed")]
    private partial void LogDhtSearchFailed(InfoHash key, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LAN lookup of {Key} failed")]
    private partial void LogLanSearchFailed(InfoHash key, Exception ex);
}
