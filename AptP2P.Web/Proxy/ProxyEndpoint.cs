using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Proxy;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using AptP2P.Web.Access;
using AptP2P.Web.Files;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace AptP2P.Web.Proxy;

/// <summary>
/// The apt proxy: translates apt's request into a cache lookup, a shared transfer or a revalidation, and the engine's answer
/// back into the status codes that steer apt's fallbacks (research/apt-proxy.md §1.7).
/// </summary>
internal sealed partial class ProxyEndpoint(
    ClientAccess access,
    MirrorPolicy policy,
    HashIndex index,
    IndexIngestor ingestor,
    ContentStore store,
    UrlRecords urls,
    TransferCoordinator transfers,
    TrafficStatistics statistics,
    ILogger<ProxyEndpoint> logger)
{
    private const string OctetStream = "application/octet-stream";
    private static readonly TimeSpan IndexWait = TimeSpan.FromSeconds(20);

    public async Task HandleAsync(HttpContext context)
    {
        statistics.Request();
        var request = context.Request;
        var remote = context.Connection.RemoteIpAddress;

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            var reason = HttpMethods.IsConnect(request.Method)
                ? "CONNECT tunnels are not offered; use http:// sources through AptP2P (apt checks every file against the signed Release)"
                : $"method {request.Method} is not supported by the apt proxy";
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, reason);
            return;
        }
        if (!access.IsAllowed(remote))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"client {remote} is not in AptP2P:AllowedClients");
            return;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var parsed = ProxyTargetParser.Parse(rawTarget);
        if (parsed.Url is not { } url)
        {
            var status = parsed.Problem == TargetProblem.TooLong ? StatusCodes.Status414UriTooLong : StatusCodes.Status400BadRequest;
            await RefuseAsync(context, status, parsed.Reason!);
            return;
        }
        if (!policy.IsAllowed(url.Host, url.Port, out var refusal))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, refusal!);
            return;
        }

        var known = await index.FindAsync(url, IndexWait, context.RequestAborted);
        if (known is { } indexed)
            await ServeKnownAsync(context, url, indexed);
        else
            await ServeUnknownAsync(context, url);
    }

    /// <summary>A file whose hash the archive metadata gives: from the cache, else from the one transfer of that hash.</summary>
    private async Task ServeKnownAsync(HttpContext context, MirrorUrl url, IndexedHash indexed)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (store.TryOpen(indexed.Hash) is { } lease)
            {
                using (lease)
                {
                    statistics.CacheHit();
                    _ = ingestor.IngestAsync(url, indexed.Hash);
                    var record = urls.Find(url.Key) is { } r && r.Hash == indexed.Hash ? r : null;
                    var plan = new ResponsePlan(lease.Entry.Size, record?.LastModified, record?.ContentType ?? OctetStream, lease.Entry.EntityTag)
                    {
                        RangesAllowed = !transfers.RecentlyMismatched(indexed.Hash),
                    };
                    var sent = await FileResponder.SendAsync(context, plan, new CacheLeaseSource(lease), mayStall: false);
                    statistics.AddCacheBytes(sent);
                    statistics.AddClientBytes(sent);
                    LogCacheHit(url.Key, sent);
                }
                return;
            }

            statistics.CacheMiss();
            var transfer = transfers.GetOrStart(url, indexed.Hash, indexed.Size);
            if (transfer.Head.IsCompleted && transfer.Head.Result.Kind != HeadKind.Body)
            {
                await RespondWithFailureAsync(context, url, transfer.Head.Result);
                return;
            }

            TransferHead? head = transfer.Head.IsCompleted ? transfer.Head.Result : null;
            if (indexed.Size is null)
            {
                // A by-hash URL we have no size for: the mirror's headers must come first.
                head = await transfer.Head.WaitAsync(context.RequestAborted);
                if (head.Kind != HeadKind.Body)
                {
                    await RespondWithFailureAsync(context, url, head);
                    return;
                }
            }

            var reader = transfer.TryOpenReader();
            if (reader is null)
            {
                if (transfer.Completion.Result == TransferResult.Stored)
                    continue; // finished a moment ago: it is in the cache now
                await RespondWithFailureAsync(context, url, transfer.Head.Result, transfer.FailureReason);
                return;
            }

            using (reader)
            {
                // Headers go out at once: the size is known from the index, so apt never waits for them.
                var plan = new ResponsePlan(indexed.Size ?? head!.Length, head?.LastModified, head?.ContentType ?? OctetStream, $"\"{indexed.Hash}\"")
                {
                    RangesAllowed = !transfers.RecentlyMismatched(indexed.Hash),
                };
                var sent = await FileResponder.SendAsync(context, plan, new TransferSource(reader), mayStall: true);
                statistics.AddClientBytes(sent);
            }
            return;
        }
        await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "the file left the cache while being opened; try again");
    }

    /// <summary>A file without a known hash (InRelease, Release …): revalidated with the mirror, the last good copy kept for when it is down.</summary>
    private async Task ServeUnknownAsync(HttpContext context, MirrorUrl url)
    {
        var cached = urls.Find(url.Key) is { } record && store.Contains(record.Hash) ? record : null;
        var transfer = transfers.GetOrStartRevalidation(url, cached);
        var head = await transfer.Head.WaitAsync(context.RequestAborted);

        switch (head.Kind)
        {
            case HeadKind.Body:
                var reader = transfer.TryOpenReader();
                if (reader is null)
                {
                    if (transfer.Completion.Result == TransferResult.Stored && transfer.Stored is { } stored)
                    {
                        await ServeStoredAsync(context, url, stored.Hash, new UrlInfo(stored.Hash, stored.Size, head.LastModified, head.ContentType, head.ETag, transfer.StartedAt));
                        return;
                    }
                    await ServeLastGoodCopyOrFailAsync(context, url, cached, transfer.Head.Result, transfer.FailureReason);
                    return;
                }
                using (reader)
                {
                    var plan = new ResponsePlan(head.Length, head.LastModified, head.ContentType ?? OctetStream, head.ETag);
                    var sent = await FileResponder.SendAsync(context, plan, new TransferSource(reader), mayStall: true);
                    statistics.AddClientBytes(sent);
                }
                return;

            case HeadKind.NotModified when cached is not null:
                await ServeStoredAsync(context, url, cached.Hash, cached);
                return;

            case HeadKind.UpstreamStatus when head.UpstreamStatus < 500:
                await RespondWithFailureAsync(context, url, head);
                return;

            default:
                await ServeLastGoodCopyOrFailAsync(context, url, cached, head, head.Reason);
                return;
        }
    }

    private async Task ServeLastGoodCopyOrFailAsync(HttpContext context, MirrorUrl url, UrlInfo? cached, TransferHead head, string? reason)
    {
        if (cached is not null && store.Contains(cached.Hash))
        {
            LogServingLastGoodCopy(url.Key, reason ?? head.Reason ?? "mirror failed");
            await ServeStoredAsync(context, url, cached.Hash, cached);
            return;
        }
        await RespondWithFailureAsync(context, url, head, reason);
    }

    private async Task ServeStoredAsync(HttpContext context, MirrorUrl url, ContentHash hash, UrlInfo info)
    {
        using var lease = store.TryOpen(hash);
        if (lease is null)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "the cached copy left the cache while being opened; try again");
            return;
        }
        statistics.CacheHit();
        var plan = new ResponsePlan(lease.Entry.Size, info.LastModified, info.ContentType ?? OctetStream, info.ETag);
        var sent = await FileResponder.SendAsync(context, plan, new CacheLeaseSource(lease), mayStall: false);
        statistics.AddCacheBytes(sent);
        statistics.AddClientBytes(sent);
    }

    /// <summary>Status codes apt acts on: upstream 4xx as they are (a 404 lets apt fall back), 502/503/504 for a mirror that failed (apt retries those).</summary>
    private Task RespondWithFailureAsync(HttpContext context, MirrorUrl url, TransferHead head, string? reason = null)
    {
        reason ??= head.Reason ?? "the mirror failed";
        var status = head.Kind switch
        {
            HeadKind.UpstreamStatus => head.UpstreamStatus,
            _ => head.Failure switch
            {
                MirrorFailureKind.Refused => StatusCodes.Status403Forbidden,
                MirrorFailureKind.Timeout => StatusCodes.Status504GatewayTimeout,
                _ => StatusCodes.Status502BadGateway,
            },
        };
        if (status >= 500 || status == 403)
            LogMirrorFailure(url.Key, status, reason);
        return WriteStatusAsync(context, status, reason);
    }

    private Task RefuseAsync(HttpContext context, int status, string reason)
    {
        statistics.Refused();
        LogRefused(context.Request.Method, context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "", context.Connection.RemoteIpAddress, status, reason);
        return WriteStatusAsync(context, status, reason);
    }

    private static Task WriteStatusAsync(HttpContext context, int status, string reason)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        var body = $"{status} {ReasonPhrases.GetReasonPhrase(status)}: {reason}\n";
        response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(body, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Target} from {Client}: {Status} {Reason}")]
    private partial void LogRefused(string method, string target, IPAddress? client, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: answering {Status} ({Reason})")]
    private partial void LogMirrorFailure(string url, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: mirror failed ({Reason}); serving the last good copy")]
    private partial void LogServingLastGoodCopy(string url, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache hit {Url}: {Bytes} bytes")]
    private partial void LogCacheHit(string url, long bytes);
}
