using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using AptP2P.Testing.Http;

namespace AptP2P.Testing.Mirrors;

/// <summary>
/// One client connection of a <see cref="DelayingMirror"/>: a reader that timestamps requests as they arrive, and a
/// responder that answers them one after another over a dedicated upstream connection.
/// </summary>
internal sealed class RelayConnection : IDisposable
{
    private const int MaxRequestBody = 1024 * 1024;

    private readonly DelayingMirror _relay;
    private readonly long _id;
    private readonly Socket _client;
    private readonly NetworkStream _clientStream;
    private readonly Channel<PendingRequest> _pending = Channel.CreateUnbounded<PendingRequest>(new() { SingleReader = true, SingleWriter = true });
    private UpstreamConnection? _upstream;

    public RelayConnection(DelayingMirror relay, long id, Socket client)
    {
        _relay = relay;
        _id = id;
        _client = client;
        _client.NoDelay = true;
        _clientStream = new NetworkStream(client, ownsSocket: true);
    }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Run(Action onCompleted, CancellationToken cancellationToken)
    {
        Completion = Task.Run(async () =>
        {
            try
            {
                var reading = ReadRequestsAsync(cancellationToken);
                await RespondAsync(cancellationToken);
                Dispose();
                await reading;
            }
            finally
            {
                onCompleted();
            }
        }, CancellationToken.None);
    }

    /// <summary>Closes both sides at once; pending reads and writes fail and the connection's tasks end.</summary>
    public void Dispose()
    {
        _clientStream.Dispose();
        _upstream?.Dispose();
    }

    private sealed record PendingRequest(int Number, HttpHead Head, byte[] Body, TimeSpan ArrivedAt, string? Unsupported);

    private async Task ReadRequestsAsync(CancellationToken cancellationToken)
    {
        var reader = new HttpStreamReader(_clientStream);
        try
        {
            for (var number = 1; ; number++)
            {
                var head = await reader.ReadHeadAsync(cancellationToken);
                if (head is null)
                {
                    break;
                }
                var arrivedAt = _relay.Now;
                string? unsupported = null;
                var body = Array.Empty<byte>();
                if (head.IsChunked)
                {
                    unsupported = "chunked request bodies";
                }
                else if (head.ContentLength is > MaxRequestBody)
                {
                    unsupported = "request bodies over 1 MiB";
                }
                else if (head.ContentLength is > 0 and var length)
                {
                    body = await reader.ReadExactlyAsync((int)length, cancellationToken);
                }
                await _pending.Writer.WriteAsync(new PendingRequest(number, head, body, arrivedAt, unsupported), cancellationToken);
                if (unsupported is not null)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (IsHangUp(e))
        {
            // The client went away, or the responder closed the connection.
        }
        catch (Exception e)
        {
            _relay.RecordError(e);
        }
        finally
        {
            _pending.Writer.TryComplete();
        }
    }

    private async Task RespondAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in _pending.Reader.ReadAllAsync(cancellationToken))
            {
                await WaitForLatencyAsync(request, cancellationToken);
                var keepOpen = request.Unsupported is null
                    ? await RelayAsync(request, cancellationToken)
                    : await AnswerLocallyAsync(request, 501, $"The relay does not support {request.Unsupported}.", cancellationToken);
                if (!keepOpen)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (IsHangUp(e))
        {
            // A side hung up mid-response; closing the client connection tells it the response is incomplete.
        }
        catch (Exception e)
        {
            _relay.RecordError(e);
        }
        finally
        {
            DropUpstream();
        }
    }

    private async Task WaitForLatencyAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        var due = _relay.Mode == LatencyMode.PerRequest ? _relay.Now + _relay.Latency : request.ArrivedAt + _relay.Latency;
        // Timers run on a coarse millisecond clock and may fire a few milliseconds early by the stopwatch the records use:
        // wait again until the stopwatch agrees, so a response never starts before its latency is spent.
        for (var wait = due - _relay.Now; wait > TimeSpan.Zero; wait = due - _relay.Now)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), cancellationToken);
        }
    }

    /// <summary>Forwards one request and streams its response back; false if the client connection must close afterwards.</summary>
    private async Task<bool> RelayAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        var response = await ForwardAsync(request, cancellationToken);
        if (response is null)
        {
            return await AnswerLocallyAsync(request, 502, $"The relay could not reach {_relay.Upstream}.", cancellationToken);
        }

        var startedAt = _relay.Now;
        await _clientStream.WriteAsync(response.Raw, cancellationToken);
        var status = response.StatusCode;
        var upstreamCloses = response.WantsClose(response.First);
        var closeAfter = upstreamCloses || request.Head.WantsClose(request.Head.Third);
        var reader = _upstream!.Reader;
        long bodyBytes;
        if (request.Head.First == "HEAD" || status is 204 or 304 || status < 200)
        {
            bodyBytes = 0;
        }
        else if (response.IsChunked)
        {
            bodyBytes = await HttpBodyCopier.CopyChunkedAsync(reader, _clientStream, cancellationToken);
        }
        else if (response.ContentLength is { } length)
        {
            bodyBytes = await HttpBodyCopier.CopyAsync(reader, _clientStream, length, cancellationToken);
        }
        else
        {
            // The body ends when the upstream closes: end the client connection the same way.
            bodyBytes = await HttpBodyCopier.CopyUntilClosedAsync(reader, _clientStream, cancellationToken);
            upstreamCloses = closeAfter = true;
        }
        await _clientStream.FlushAsync(cancellationToken);

        if (upstreamCloses)
        {
            DropUpstream();
        }
        _relay.Record(new RelayedRequest(_id, request.Number, request.Head.First, request.Head.Second, request.ArrivedAt, startedAt, _relay.Now, status, bodyBytes));
        return !closeAfter;
    }

    /// <summary>Sends the request upstream and reads the response head; null if the upstream cannot be reached.</summary>
    private async Task<HttpHead?> ForwardAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        if (_upstream is not null)
        {
            // The server may have closed the kept-alive connection meanwhile: then retry once on a fresh one.
            try
            {
                if (await _upstream.ExchangeAsync(request.Head, request.Body, cancellationToken) is { } head)
                {
                    return head;
                }
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // fall through to a fresh connection
            }
            DropUpstream();
        }
        _upstream = await UpstreamConnection.ConnectAsync(_relay.Upstream, cancellationToken);
        return _upstream is null ? null : await _upstream.ExchangeAsync(request.Head, request.Body, cancellationToken);
    }

    private void DropUpstream()
    {
        _upstream?.Dispose();
        _upstream = null;
    }

    private async Task<bool> AnswerLocallyAsync(PendingRequest request, int status, string message, CancellationToken cancellationToken)
    {
        var startedAt = _relay.Now;
        var body = Encoding.UTF8.GetBytes(message + "\n");
        var reason = status == 501 ? "Not Implemented" : "Bad Gateway";
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n"
            + (status == 501 ? "Connection: close\r\n" : string.Empty) + "\r\n";
        await _clientStream.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken);
        await _clientStream.WriteAsync(body, cancellationToken);
        _relay.Record(new RelayedRequest(_id, request.Number, request.Head.First, request.Head.Second, request.ArrivedAt, startedAt, _relay.Now, status, body.Length));
        return status != 501;
    }

    private static bool IsHangUp(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException;
}
