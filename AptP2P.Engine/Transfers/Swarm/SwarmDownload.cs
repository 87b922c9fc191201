using System.Collections.Concurrent;
using System.Net;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Node;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Downloads a file whose hash and size are known from several sources at once. The DHT lookup and the piece-list fetch
/// start together; with peers and a list, pieces come from every peer in parallel (lowest first, duplicated at the end) and
/// the mirror joins as one more range source after a short adaptive grace if the peers would not finish within it and a
/// tolerance (<c>AptP2P:Peers:SlowPeerToleranceSeconds</c>). With no peers
/// or no list by then, the file simply streams from the mirror. Every piece is checked as it arrives and the whole file at the
/// end; a peer that sends a bad piece is dropped for the file and banned for a while.
/// </summary>
public sealed partial class SwarmDownload(
    IDht dht,
    PeerClient peers,
    MirrorClient mirror,
    MirrorDownload mirrorDownload,
    ContentStore store,
    UrlRecords urls,
    PeerScoreBoard scores,
    TrafficStatistics statistics,
    NodeEndpoints node,
    IOptionsMonitor<PeerOptions> options,
    TimeProvider time,
    ILogger<SwarmDownload> logger)
{
    /// <summary>How long a piece list that turned out forged is ignored for its file.</summary>
    private static readonly TimeSpan DistrustFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<ContentHash, DateTimeOffset> _distrusted = new();
    private readonly GraceEstimator _grace = new();

    /// <summary>The grace currently given to peers before the mirror is used (adapted to how fast lookups find peers).</summary>
    public TimeSpan Grace => _grace.Current;

    public async Task RunAsync(Transfer transfer, CancellationToken cancellationToken)
    {
        // With nobody in the routing table no lookup can find a peer: no reason to make apt wait for one.
        if (transfer.ExpectedHash is not { } hash || transfer.ExpectedSize is not { } size || size == 0 || IsDistrusted(hash)
            || dht.KnownNodes == 0)
        {
            await mirrorDownload.RunAsync(transfer, null, cancellationToken);
            return;
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var grace = _grace.Current;
        var discovery = PeerDiscovery.Start(dht, hash, node, scores, time, _grace.Record, ex => LogLookupFailed(transfer.Url.Key, ex), lifetime.Token);
        var listTask = PieceList.IsSinglePiece(size)
            ? Task.FromResult<PieceList?>(PieceList.SinglePiece(hash, size))
            : FetchPieceListAsync(hash, size, discovery, lifetime.Token);

        var deadline = time.GetTimestamp();
        var first = await WithinAsync(discovery.First, grace, lifetime.Token);
        var list = first is null ? null : await WithinAsync(listTask, grace - time.GetElapsedTime(deadline), lifetime.Token);
        if (first is null || list is null)
        {
            if (first is null)
                _grace.RecordNone();
            await lifetime.CancelAsync();
            LogStraightToMirror(transfer.Url.Key, first is null ? "no peer" : "no piece list", (long)grace.TotalMilliseconds);
            await mirrorDownload.RunAsync(transfer, null, cancellationToken);
            return;
        }

        await RunInPiecesAsync(transfer, list, discovery, grace, lifetime, cancellationToken);
    }

    /// <summary>Remembers that a file's piece list was forged, so its next download comes from the mirror.</summary>
    internal void Distrust(ContentHash hash) => _distrusted[hash] = time.GetUtcNow() + DistrustFor;

    private bool IsDistrusted(ContentHash hash)
    {
        if (!_distrusted.TryGetValue(hash, out var until))
            return false;
        if (until > time.GetUtcNow())
            return true;
        _distrusted.TryRemove(new(hash, until));
        return false;
    }

    /// <summary>The DHT item and the first peers' <c>/pieces</c> race; the first list that validates wins.</summary>
    private Task<PieceList?> FetchPieceListAsync(ContentHash hash, long size, PeerDiscovery discovery, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<PieceList?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fromDht = Task.Run(async () =>
        {
            var encoded = await dht.FetchPieceListAsync(hash, cancellationToken);
            if (encoded is not null && PieceList.TryDecode(encoded, size) is { } list)
                found.TrySetResult(list);
        }, cancellationToken);
        var fromPeers = Task.Run(async () =>
        {
            var asked = new List<Task>();
            await foreach (var peer in discovery.Subscribe().ReadAllAsync(cancellationToken))
            {
                if (found.Task.IsCompleted || asked.Count >= 3)
                    break;
                asked.Add(Task.Run(async () =>
                {
                    if (await peers.GetPieceListAsync(peer, hash, cancellationToken) is { } encoded && PieceList.TryDecode(encoded, size) is { } list)
                        found.TrySetResult(list);
                }, cancellationToken));
            }
            await Task.WhenAll(asked);
        }, cancellationToken);
        // When every attempt has ended without a list, say so instead of leaving the caller to its timeout.
        _ = Task.WhenAll(fromDht, fromPeers).ContinueWith(_ => found.TrySetResult(null), TaskScheduler.Default);
        return found.Task;
    }

    private async Task<T?> WithinAsync<T>(Task<T?> task, TimeSpan limit, CancellationToken cancellationToken) where T : class
    {
        if (limit <= TimeSpan.Zero)
            return task.IsCompletedSuccessfully ? task.Result : null;
        try
        {
            return await task.WaitAsync(limit, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: {Reason} within {Grace} ms, streaming from the mirror")]
    private partial void LogStraightToMirror(string url, string reason, long grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: the DHT lookup failed")]
    private partial void LogLookupFailed(string url, Exception exception);
}
