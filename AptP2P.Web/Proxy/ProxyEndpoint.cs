using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Proxy;
using AptP2P.Engine.Stats;
using AptP2P.Web.Access;
using AptP2P.Web.Files;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace AptP2P.Web.Proxy;

/// <summary>
/// The apt proxy's HTTP side: checks the method and the client, asks <see cref="ProxyService"/> what to serve, and turns its
/// answer into the status codes that steer apt's fallbacks (research/apt-proxy.md §1.7).
/// </summary>
internal sealed partial class ProxyEndpoint(
    ClientAccess access,
    ProxyService proxy,
    TrafficStatistics statistics,
    IHostApplicationLifetime lifetime,
    ILogger<ProxyEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        statistics.Request();
        var request = context.Request;

        // Ordinal, unlike HttpMethods.IsGet: RFC 9110 §9.1 makes "get" another method, one the proxy does not offer.
        if (request.Method == HttpMethods.Connect)
        {
            // Only tunnels the ConnectTunnel refused get here: a host not listed, or a client not allowed.
            await RefuseAsync(context, StatusCodes.Status403Forbidden,
                $"CONNECT to {context.Features.Get<IHttpRequestFeature>()?.RawTarget} is not offered to this client or not in AptP2P:AllowedTunnels; "
                + "an https archive is cached and shared through http://<this node>/HTTPS///<host>/<path>");
            return;
        }
        if (request.Method is not ("GET" or "HEAD"))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, $"method {request.Method} is not supported by the apt proxy (method names are case-sensitive)");
            return;
        }
        // apt never sends one; a body on GET/HEAD has no meaning (RFC 9110 §9.3.1), and answering as if it were absent would
        // leave its bytes to be read as the next request. The connection closes after the refusal.
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            context.Response.Headers.Connection = "close";
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"a {request.Method} to the apt proxy carries no request body (Content-Length or Transfer-Encoding was sent)");
            return;
        }
        var remote = context.Connection.RemoteIpAddress;
        if (!access.IsAllowed(remote))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"client {remote} is not in AptP2P:AllowedClients");
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Transfers are being cut: a new one would only be cut too. 503 is what apt retries, on the next mirror if any.
            context.Response.Headers.Connection = "close";
            context.Response.Headers.RetryAfter = "5";
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "the node is stopping");
            return;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        using var answer = await proxy.AnswerAsync(rawTarget, context.RequestAborted);
        switch (answer)
        {
            case ProxyAnswer.Cached cached:
            {
                var sent = await FileResponder.SendAsync(context, cached.Headers, cached.Lease, mayStall: false);
                statistics.AddCacheBytes(sent);
                statistics.AddClientBytes(sent);
                break;
            }
            case ProxyAnswer.Streamed streamed:
            {
                // The transfer may take a while for its first bytes: headers go out at once.
                var sent = await FileResponder.SendAsync(context, streamed.Headers, streamed.Reader, mayStall: true);
                statistics.AddClientBytes(sent);
                break;
            }
            case ProxyAnswer.MirrorFailed failed:
                await RespondWithFailureAsync(context, failed);
                break;
            case ProxyAnswer.Refused refused:
                await RefuseAsync(context, StatusOf(refused.Kind), refused.Reason);
                break;
        }
    }

    private static int StatusOf(Refusal refusal) => refusal switch
    {
        Refusal.TooLong => StatusCodes.Status414UriTooLong,
        Refusal.MirrorNotAllowed => StatusCodes.Status403Forbidden,
        Refusal.Vanished => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Status codes apt acts on: upstream 4xx as they are (a 404 lets apt fall back), 502/503/504 for a mirror that failed (apt retries those).</summary>
    private Task RespondWithFailureAsync(HttpContext context, ProxyAnswer.MirrorFailed failed)
    {
        var status = failed.Problem switch
        {
            MirrorProblem.Status => failed.UpstreamStatus,
            MirrorProblem.Refused => StatusCodes.Status403Forbidden,
            MirrorProblem.Timeout => StatusCodes.Status504GatewayTimeout,
            _ => StatusCodes.Status502BadGateway,
        };
        if (status >= 500 || status == 403)
            LogMirrorFailure(failed.Url.Key, status, failed.Reason);
        return WriteStatusAsync(context, status, failed.Reason);
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
        return context.Request.Method == HttpMethods.Head ? Task.CompletedTask : response.WriteAsync(body, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Target} from {Client}: {Status} {Reason}")]
    private partial void LogRefused(string method, string target, IPAddress? client, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: answering {Status} ({Reason})")]
    private partial void LogMirrorFailure(string url, int status, string reason);
}
