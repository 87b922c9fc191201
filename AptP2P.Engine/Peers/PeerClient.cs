using System.Net;
using System.Net.Http.Headers;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Discovery;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Peers;

/// <summary>How a peer answered a request for part of a file.</summary>
public enum PeerAnswer
{
    Range,
    NotHeld,
    Busy,
    Refused,
    Unreachable,
}

/// <summary>A peer's answer with its body still to be read; dispose when done.</summary>
public sealed class PeerResponse(PeerAnswer answer, HttpResponseMessage? message, Stream? body, string? reason) : IDisposable
{
    public PeerAnswer Answer => answer;
    public Stream? Body => body;
    public string? Reason => reason;
    public TimeSpan? RetryAfter => message?.Headers.RetryAfter?.Delta;

    public void Dispose()
    {
        body?.Dispose();
        message?.Dispose();
    }
}

/// <summary>HTTP/1.1 to other AptP2P nodes (PROTOCOL.md §3): range requests over kept-alive connections, piece lists.</summary>
public sealed class PeerClient : IDisposable
{
    /// <summary>A peer that does not connect or answer within this is treated as gone for this request.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(3);

    private readonly HttpMessageInvoker _invoker;
    private readonly SwarmMembership? _membership;

    public PeerClient(IOptions<PeerOptions> options, SwarmMembership? membership = null)
    {
        _membership = membership;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = options.Value.MaxDownloadsPerPeer,
        });
    }

    public async Task<PeerResponse> GetRangeAsync(IPEndPoint peer, ContentHash file, long offset, long length, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UriOf(peer, file, ""));
        request.Headers.Range = new RangeHeaderValue(offset, offset + length - 1);
        var (message, failure) = await SendAsync(request, cancellationToken);
        if (message is null)
            return new PeerResponse(PeerAnswer.Unreachable, null, null, failure);
        var answer = message.StatusCode switch
        {
            HttpStatusCode.PartialContent when message.Content.Headers.ContentRange is { From: var from, To: var to }
                && from == offset && to == offset + length - 1 && message.Content.Headers.ContentLength == length => PeerAnswer.Range,
            HttpStatusCode.OK when offset == 0 && message.Content.Headers.ContentLength == length => PeerAnswer.Range,
            HttpStatusCode.NotFound => PeerAnswer.NotHeld,
            HttpStatusCode.ServiceUnavailable => PeerAnswer.Busy,
            _ => PeerAnswer.Refused,
        };
        if (answer != PeerAnswer.Range)
            return new PeerResponse(answer, message, null, $"peer answered {(int)message.StatusCode}");
        return new PeerResponse(answer, message, await message.Content.ReadAsStreamAsync(cancellationToken), null);
    }

    /// <summary>The peer's piece list for a file (bencoded <c>v</c>), or null when it has none or does not answer.</summary>
    public async Task<byte[]?> GetPieceListAsync(IPEndPoint peer, ContentHash file, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UriOf(peer, file, "/pieces"));
        var (message, _) = await SendAsync(request, cancellationToken);
        using (message)
        {
            if (message is not { StatusCode: HttpStatusCode.OK } || message.Content.Headers.ContentLength is not (> 0 and <= 1000))
                return null;
            try
            {
                return await message.Content.ReadAsByteArrayAsync(cancellationToken);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }
    }

    private async Task<(HttpResponseMessage? Message, string? Failure)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HeadersTimeout);
        if (_membership?.Proof() is { } proof)
            request.Headers.TryAddWithoutValidation(SwarmKey.HeaderName, proof);
        try
        {
            return (await _invoker.SendAsync(request, timeout.Token), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {HeadersTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
    }

    private static Uri UriOf(IPEndPoint peer, ContentHash file, string suffix) =>
        new($"http://{peer}/~/{file}{suffix}", UriKind.Absolute);

    public void Dispose() => _invoker.Dispose();
}
