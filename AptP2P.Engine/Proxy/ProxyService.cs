using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Proxy;

/// <summary>
/// Decides what apt gets for a mirror URL: a file whose hash the archive metadata gives comes from the cache, else from the
/// one transfer of that hash (peers and the mirror); any other file is revalidated with the mirror, and its last good copy
/// stands in when the mirror fails. The web layer only turns the answer into HTTP.
/// </summary>
public sealed partial class ProxyService(
    MirrorPolicy policy,
    HashIndex index,
    IndexIngestor ingestor,
    ContentStore store,
    UrlRecords urls,
    TransferCoordinator transfers,
    TrafficStatistics statistics,
    IOptionsMonitor<AptP2POptions> options,
    TimeProvider time,
    ILogger<ProxyService> logger)
{
    /// <summary>How long a request waits for metadata of its archive still being indexed.</summary>
    private static readonly TimeSpan IndexWait = TimeSpan.FromSeconds(20);

    /// <summary>A file can leave the cache between "not there" and "open": a few tries before giving up.</summary>
    private const int OpenAttempts = 3;

    /// <summary>Answers apt's request for a raw request target (<c>/host/path</c> or <c>http://host/path</c>).</summary>
    public async ValueTask<ProxyAnswer> AnswerAsync(string rawTarget, CancellationToken cancellationToken)
    {
        if (Resolve(rawTarget, out var url) is { } refused)
            return refused;
        var known = await index.FindAsync(url, IndexWait, cancellationToken);
        return known is { } indexed
            ? await AnswerKnownAsync(url, indexed, cancellationToken)
            : await AnswerUnknownAsync(url, cancellationToken);
    }

    /// <summary>
    /// Starts the transfer of a request that is still queued behind others on its connection; its answer later joins it.
    /// Only files with a known hash and size: their content is fixed, so fetching early can never serve anything stale.
    /// </summary>
    /// <returns>True when a transfer was started or joined.</returns>
    public bool Prefetch(string rawTarget)
    {
        if (Resolve(rawTarget, out var url) is not null)
            return false;
        if (index.Find(url) is not { Size: { } size } known || store.Contains(known.Hash))
            return false;
        transfers.GetOrStart(url, known.Hash, size);
        return true;
    }

    private ProxyAnswer.Refused? Resolve(string rawTarget, out MirrorUrl url)
    {
        var parsed = ProxyTargetParser.Parse(rawTarget);
        url = parsed.Url!;
        if (parsed.Url is null)
            return new ProxyAnswer.Refused(parsed.Problem == TargetProblem.TooLong ? Refusal.TooLong : Refusal.Malformed, parsed.Reason!);
        return policy.IsAllowed(url.Host, url.Port, out var reason) ? null : new ProxyAnswer.Refused(Refusal.MirrorNotAllowed, reason!);
    }

    /// <summary>A file whose hash the archive metadata gives: from the cache, else from the one transfer of that hash.</summary>
    private async ValueTask<ProxyAnswer> AnswerKnownAsync(MirrorUrl url, IndexedHash indexed, CancellationToken cancellationToken)
    {
        var askedOwnName = false;
        for (var attempt = 0; attempt < OpenAttempts; attempt++)
        {
            if (store.TryOpen(indexed.Hash) is { } lease)
            {
                statistics.CacheHit();
                // A metadata file stored under another name (by-hash, another compression) is indexed for this one too.
                _ = ingestor.IngestAsync(url, indexed.Hash);
                var record = urls.Find(url.Key) is { } r && r.Hash == indexed.Hash ? r : null;
                LogCacheHit(url.Key);
                return new ProxyAnswer.Cached(lease, new BodyHeaders(lease.Entry.Size, record?.LastModified, record?.ContentType ?? BodyHeaders.OctetStream, lease.Entry.EntityTag)
                {
                    RangesAllowed = !transfers.RecentlyMismatched(indexed.Hash),
                });
            }

            statistics.CacheMiss();
            var transfer = transfers.GetOrStart(url, indexed.Hash, indexed.Size);
            // Opened before the wait: a small file can be over (stored, or failed its check) before the wait returns, and a
            // reader opened while it ran follows it to its end, to the last byte or to the cut.
            var reader = transfer.TryOpenReader();
            TransferHead? head;
            try
            {
                head = await WaitForHeadAsync(transfer, indexed.Size is not null, cancellationToken);
            }
            catch
            {
                reader?.Dispose();
                throw;
            }
            if (head is { Kind: not HeadKind.Body })
            {
                reader?.Dispose();
                if (head is { Kind: HeadKind.UpstreamStatus, UpstreamStatus: 404 or 410 } && transfer.Url.Key != url.Key && !askedOwnName)
                {
                    // We joined a transfer started for another name of this file (its by-hash name, say): the file is missing
                    // there, not necessarily here. Once it has ended, the coordinator starts one for our name.
                    await transfer.Completion.WaitAsync(cancellationToken);
                    askedOwnName = true;
                    continue;
                }
                return MirrorFailed(url, head);
            }

            if (reader is null)
            {
                if (transfer.Completion.Result == TransferResult.Stored)
                    continue; // finished a moment ago: it is in the cache now
                return MirrorFailed(url, transfer.Head.Result, transfer.FailureReason);
            }
            // Without the source's answer (it took longer than the status wait) the size from the index stands in for it.
            return new ProxyAnswer.Streamed(reader, new BodyHeaders(indexed.Size ?? head!.Length, head?.LastModified, head?.ContentType ?? BodyHeaders.OctetStream, $"\"{indexed.Hash}\"")
            {
                RangesAllowed = !transfers.RecentlyMismatched(indexed.Hash),
            });
        }
        return new ProxyAnswer.Refused(Refusal.Vanished, "the file left the cache while being opened; try again");
    }

    /// <summary>
    /// The first source's answer. Without a size from the index, for as long as it takes: the length must come from the mirror.
    /// With one, within <c>AptP2P:Mirror:StatusWaitMilliseconds</c> only, so that a mirror's 404 or failure reaches apt as
    /// its status while a slow source never holds apt's headers back for long; null when the wait passed first.
    /// </summary>
    private async ValueTask<TransferHead?> WaitForHeadAsync(Transfer transfer, bool sizeKnown, CancellationToken cancellationToken)
    {
        if (transfer.Head.IsCompleted)
            return transfer.Head.Result;
        if (!sizeKnown)
            return await transfer.Head.WaitAsync(cancellationToken);
        var wait = TimeSpan.FromMilliseconds(options.CurrentValue.Mirror.StatusWaitMilliseconds);
        if (wait <= TimeSpan.Zero)
            return null;
        try
        {
            return await transfer.Head.WaitAsync(wait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogStatusWaitPassed(transfer.Url.Key, (long)wait.TotalMilliseconds);
            return null;
        }
    }

    /// <summary>A file without a known hash (InRelease, Release …): revalidated with the mirror, the last good copy kept for when it is down.</summary>
    private async ValueTask<ProxyAnswer> AnswerUnknownAsync(MirrorUrl url, CancellationToken cancellationToken)
    {
        var cached = urls.Find(url.Key) is { } record && store.Contains(record.Hash) ? record : null;
        var transfer = transfers.GetOrStartRevalidation(url, cached);
        var head = await transfer.Head.WaitAsync(cancellationToken);

        switch (head.Kind)
        {
            case HeadKind.Body:
                if (transfer.TryOpenReader() is { } reader)
                    return new ProxyAnswer.Streamed(reader, new BodyHeaders(head.Length, head.LastModified, head.ContentType ?? BodyHeaders.OctetStream, head.ETag));
                if (transfer.Completion.Result == TransferResult.Stored && transfer.Stored is { } stored)
                    return FromStore(stored.Hash, new UrlInfo(stored.Hash, stored.Size, head.LastModified, head.ContentType, head.ETag, transfer.StartedAt));
                return LastGoodCopyOrFailure(url, cached, transfer.Head.Result, transfer.FailureReason);

            case HeadKind.NotModified when cached is not null:
                // The same metadata again: the ingestor skips what it has read, and says when a Release it has read expired.
                _ = ingestor.IngestAsync(url, cached.Hash);
                return FromStore(cached.Hash, cached);

            case HeadKind.UpstreamStatus when head.UpstreamStatus < 500:
                if (head.UpstreamStatus is 404 or 410)
                    ingestor.NoteMissing(url);
                return MirrorFailed(url, head);

            default:
                return LastGoodCopyOrFailure(url, cached, head, head.Reason);
        }
    }

    private ProxyAnswer LastGoodCopyOrFailure(MirrorUrl url, UrlInfo? cached, TransferHead head, string? reason)
    {
        if (cached is null || !store.Contains(cached.Hash))
            return MirrorFailed(url, head, reason);
        LogServingLastGoodCopy(url.Key, reason ?? head.Reason ?? "mirror failed");
        return FromStore(cached.Hash, cached);
    }

    private ProxyAnswer FromStore(ContentHash hash, UrlInfo info)
    {
        if (store.TryOpen(hash) is not { } lease)
            return new ProxyAnswer.Refused(Refusal.Vanished, "the cached copy left the cache while being opened; try again");
        statistics.CacheHit();
        return new ProxyAnswer.Cached(lease, new BodyHeaders(lease.Entry.Size, info.LastModified, info.ContentType ?? BodyHeaders.OctetStream, info.ETag));
    }

    private static ProxyAnswer.MirrorFailed MirrorFailed(MirrorUrl url, TransferHead head, string? reason = null)
    {
        reason ??= head.Reason ?? "the mirror failed";
        if (head.Kind == HeadKind.UpstreamStatus)
            return new ProxyAnswer.MirrorFailed(url, MirrorProblem.Status, head.UpstreamStatus, reason);
        var problem = head.Failure switch
        {
            MirrorFailureKind.Refused => MirrorProblem.Refused,
            MirrorFailureKind.Timeout => MirrorProblem.Timeout,
            _ => MirrorProblem.Failed,
        };
        return new ProxyAnswer.MirrorFailed(url, problem, 0, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: mirror failed ({Reason}); serving the last good copy")]
    private partial void LogServingLastGoodCopy(string url, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: no answer from its source within {Wait} ms; 200 goes out with the size from the index")]
    private partial void LogStatusWaitPassed(string url, long wait);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache hit {Url}")]
    private partial void LogCacheHit(string url);
}
