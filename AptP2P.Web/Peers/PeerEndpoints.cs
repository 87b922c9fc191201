using System.Globalization;
using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Stats;
using AptP2P.Web.Files;

namespace AptP2P.Web.Peers;

/// <summary>
/// The peer protocol (PROTOCOL.md §3): <c>GET/HEAD /~/&lt;sha256&gt;</c> with single ranges and <c>/~/&lt;sha256&gt;/pieces</c>,
/// open to any address, serving only verified complete files, through the same responder as cache hits to apt.
/// </summary>
internal static partial class PeerEndpoints
{
    public static IEndpointRouteBuilder MapPeerProtocol(this IEndpointRouteBuilder routes)
    {
        // A closed swarm (AptP2P:Discovery:SwarmKey) serves only the peers that prove the key, before anything else is looked at.
        var peers = routes.MapGroup("/~").AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            // Another machine opened a connection to our port: others reach us over its family (reachability, issue 12).
            if (context.Connection.RemoteIpAddress is { } remote && !System.Net.IPAddress.IsLoopback(remote))
            {
                var peer = Engine.Dht.CompactEndPoint.Normalize(new System.Net.IPEndPoint(remote, context.Connection.RemotePort));
                context.RequestServices.GetRequiredService<Engine.Dht.DhtService>().NodeFor(peer)?.RecordInboundConnection(peer);
            }
            var membership = context.RequestServices.GetRequiredService<SwarmMembership>();
            if (membership.Admits(context.Request.Headers[SwarmKey.HeaderName]))
                return await next(invocation);
            await Refuse(context, StatusCodes.Status403Forbidden, "this node serves only the nodes of its swarm (no valid AptP2P-Swarm proof)");
            return Results.Empty;
        });
        peers.MapMethods("/{sha256}", ["GET", "HEAD"], ServeFileAsync);
        peers.MapMethods("/{sha256}/pieces", ["GET", "HEAD"], ServePieceListAsync);
        peers.Map("/{**rest}", (HttpContext context) => Refuse(context, StatusCodes.Status405MethodNotAllowed, "the peer protocol answers GET and HEAD of /~/<sha256> and /~/<sha256>/pieces"));
        return routes;
    }

    private static async Task ServeFileAsync(HttpContext context, string sha256, ContentStore store, Engine.Apt.Index.HashIndex index, UploadGate gate,
        PeerScoreBoard scores, TrafficStatistics statistics)
    {
        if (!ContentHash.TryParseStrict(sha256, out var hash))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "a file is named by 64 lowercase hex digits of its SHA-256");
            return;
        }
        // A file only unverified archives list is the node's own clients' business, not something it vouches for to peers.
        if (store.Find(hash) is not { Verified: true } || index.IsWithheld(hash))
        {
            await Refuse(context, StatusCodes.Status404NotFound, "not held here");
            return;
        }
        if (!gate.TryEnter(out var slot, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "all upload slots are busy");
            return;
        }
        using (slot)
        using (var lease = store.TryOpen(hash))
        {
            if (lease is null)
            {
                await Refuse(context, StatusCodes.Status404NotFound, "not held here");
                return;
            }
            var plan = new BodyHeaders(lease.Entry.Size, null, BodyHeaders.OctetStream, $"\"{sha256}\"");
            var sent = await FileResponder.SendAsync(context, plan, new ThrottledBody(lease, gate), mayStall: false);
            statistics.AddUploadedBytes(sent);
            store.RecordUpload(lease.Entry, sent);
            if (sent > 0 && context.Connection.RemoteIpAddress is { } address)
                scores.RecordUpload(address, sent);
        }
    }

    private static async Task ServePieceListAsync(HttpContext context, string sha256, PieceListStore pieceLists)
    {
        if (!ContentHash.TryParseStrict(sha256, out var hash))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "a file is named by 64 lowercase hex digits of its SHA-256");
            return;
        }
        var encoded = await pieceLists.GetEncodedAsync(hash, context.RequestAborted);
        if (encoded is null)
        {
            await Refuse(context, StatusCodes.Status404NotFound, "no piece list: the file is not held here or is a single piece");
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = encoded.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(encoded, context.RequestAborted);
    }

    private static Task Refuse(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(reason + "\n", context.RequestAborted);
    }

    /// <summary>Reads in chunks the upload rate allows, waiting for each chunk's share of the rate.</summary>
    private sealed class ThrottledBody(IFileBody inner, UploadGate gate) : IFileBody
    {
        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var read = await inner.ReadAsync(offset, buffer[..Math.Min(buffer.Length, gate.MaxChunk)], cancellationToken);
            await gate.ThrottleAsync(read, cancellationToken);
            return read;
        }
    }
}
