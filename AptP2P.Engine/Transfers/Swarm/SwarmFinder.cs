using System.Collections.Concurrent;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Node;
using AptP2P.Engine.Peers;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Looks for a swarm for a file whose hash and size are known: the DHT lookup and the piece-list lookup start together, and
/// the file has a swarm when a peer and a list turn up within a short adaptive grace. It only finds; the coordinator decides.
/// </summary>
public sealed partial class SwarmFinder(
    IDht dht,
    PieceListLookup pieceLists,
    NodeEndpoints node,
    PeerScoreBoard scores,
    Apt.Index.HashIndex index,
    TimeProvider time,
    ILogger<SwarmFinder> logger)
{
    /// <summary>How long a piece list that turned out forged is ignored for its file.</summary>
    private static readonly TimeSpan DistrustFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<ContentHash, DateTimeOffset> _distrusted = new();
    private readonly GraceEstimator _grace = new();

    /// <summary>The grace currently given to peers before the mirror is used (adapted to how fast lookups find peers).</summary>
    public TimeSpan Grace => _grace.Current;

    /// <summary>A plan with peers and a piece list found within the grace, or the reason there is none.</summary>
    public async Task<SwarmSearch> FindAsync(Transfer transfer, CancellationToken cancellationToken)
    {
        if (transfer.ExpectedHash is not { } hash || transfer.ExpectedSize is not { } size || size == 0)
            return SwarmSearch.None("no hash and size to check pieces against");
        if (index.IsWithheld(hash))
            return SwarmSearch.None("only archives whose signature is not verified list it (AptP2P:Trust:ShareUnverified is off)");
        if (IsDistrusted(hash))
            return SwarmSearch.None("its piece list was forged lately");
        // With nobody in the routing table no lookup can find a peer: no reason to make apt wait for one.
        if (dht.KnownNodes == 0)
            return SwarmSearch.None("no DHT node is known");

        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var grace = _grace.Current;
        var discovery = PeerDiscovery.Start(dht, hash, node, scores, time, _grace.Record, ex => LogLookupFailed(transfer.Url.Key, ex), lifetime.Token);
        var listTask = pieceLists.FindAsync(hash, size, discovery, lifetime.Token);

        var started = time.GetTimestamp();
        try
        {
            var first = await WithinAsync(discovery.First, grace, lifetime.Token);
            var list = first is null ? null : await WithinAsync(listTask, grace - time.GetElapsedTime(started), lifetime.Token);
            if (first is not null && list is not null)
                return new SwarmSearch(new SwarmPlan(transfer, list, discovery, grace, lifetime), null);
            if (first is null)
                _grace.RecordNone();
            await lifetime.CancelAsync();
            lifetime.Dispose();
            return SwarmSearch.None($"{(first is null ? "no peer" : "no piece list")} within {(long)grace.TotalMilliseconds} ms");
        }
        catch
        {
            await lifetime.CancelAsync();
            lifetime.Dispose();
            throw;
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: the DHT lookup failed")]
    private partial void LogLookupFailed(string url, Exception exception);
}
