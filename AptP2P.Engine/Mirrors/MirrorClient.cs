using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Mirrors;

/// <summary>
/// HTTP and HTTPS to mirrors (certificates checked against the system's trust store, which <c>SSL_CERT_FILE</c> and
/// <c>SSL_CERT_DIR</c> extend as for OpenSSL): no automatic redirects, decompression, cookies or system proxy, so bytes pass through untouched;
/// redirects are followed here, each hop checked by <see cref="MirrorPolicy"/>, and the connect step refuses this node's own ports
/// whatever a name resolves to.
/// </summary>
public sealed partial class MirrorClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly MirrorPolicy _policy;
    private readonly IOptionsMonitor<AptP2POptions> _options;
    private readonly ILogger<MirrorClient> _logger;
    private static readonly ProductInfoHeaderValue UserAgent = new("AptP2P", typeof(MirrorClient).Assembly.GetName().Version?.ToString(3) ?? "0");

    public MirrorClient(MirrorPolicy policy, IOptionsMonitor<AptP2POptions> options, ILogger<MirrorClient> logger)
    {
        _policy = policy;
        _options = options;
        _logger = logger;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(options.CurrentValue.Mirror.ConnectTimeoutSeconds),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = 64,
            ConnectCallback = ConnectAsync,
        });
    }

    public async Task<MirrorResult> SendAsync(MirrorRequest request, CancellationToken cancellationToken)
    {
        var uri = request.Url.ToUpstreamUri();
        var maxRedirects = _options.CurrentValue.Mirror.MaxRedirects;
        for (var hop = 0; ; hop++)
        {
            if (!_policy.IsAllowed(uri.IdnHost.ToLowerInvariant(), uri.Port, out var reason))
                return MirrorResult.Fail(MirrorFailureKind.Refused, reason!);

            using var message = new HttpRequestMessage(HttpMethod.Get, uri);
            message.Headers.UserAgent.Add(UserAgent);
            if (request.IfModifiedSince is { } ims)
                message.Headers.IfModifiedSince = ims;
            if (request.RangeStart is { } start)
            {
                message.Headers.Range = new RangeHeaderValue(start, request.RangeEnd);
                if (request.IfRange is { } ifRange)
                    message.Headers.IfRange = new RangeConditionHeaderValue(ifRange);
            }

            HttpResponseMessage response;
            using (var headerTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                headerTimeout.CancelAfter(TimeSpan.FromSeconds(_options.CurrentValue.Mirror.StallTimeoutSeconds));
                try
                {
                    response = await _invoker.SendAsync(message, headerTimeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return MirrorResult.Fail(MirrorFailureKind.Timeout, $"no response headers from {uri.Authority} within {_options.CurrentValue.Mirror.StallTimeoutSeconds} s");
                }
                catch (HttpRequestException ex) when (ex.InnerException is RefusedTargetException refused)
                {
                    return MirrorResult.Fail(MirrorFailureKind.Refused, refused.Message);
                }
                catch (HttpRequestException ex) when (ex.InnerException is System.Security.Authentication.AuthenticationException tls)
                {
                    // Never a silent fallback to http: the mirror is unusable until its certificate is trusted.
                    return MirrorResult.Fail(MirrorFailureKind.Unreachable, $"TLS with https://{uri.Authority} failed: {tls.Message}");
                }
                catch (HttpRequestException ex)
                {
                    return MirrorResult.Fail(MirrorFailureKind.Unreachable, $"{uri.Authority}: {ex.Message}");
                }
            }

            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.Location;
                response.Dispose();
                if (location is null)
                    return MirrorResult.Fail(MirrorFailureKind.BadRedirect, $"{uri.Authority} sent a redirect without Location");
                if (hop >= maxRedirects)
                    return MirrorResult.Fail(MirrorFailureKind.BadRedirect, $"more than {maxRedirects} redirects, last to {location}");
                var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                    return MirrorResult.Fail(MirrorFailureKind.Refused, $"redirect to a non-http URL ({next.Scheme}://{next.Authority}) is not followed");
                if (uri.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
                    return MirrorResult.Fail(MirrorFailureKind.BadRedirect, $"redirect from https to http ({next.Authority}) is not followed");
                LogRedirect(uri, next, (int)response.StatusCode);
                uri = next;
                continue;
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new MirrorResult(new MirrorResponse(response, body, uri), null);
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken) =>
        new NetworkStream(await MirrorConnector.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, _policy.Node, cancellationToken), ownsSocket: true);

    public void Dispose() => _invoker.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Following {Status} redirect from {From} to {To}")]
    private partial void LogRedirect(Uri from, Uri to, int status);
}
