using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// One client connection of a <see cref="DelayingMirror"/>: a reader that timestamps requests as they arrive, and a
/// responder that answers them one after another over a dedicated upstream connection.
/// </summary>
internal sealed class RelayConnection : IDisposable
{
    private const int MaxRequestBody = 1024 * 1024;
    private const int CopyBufferSize = 64 * 1024;

    private readonly DelayingMirror _relay;
    private readonly long _id;
    private readonly Socket _client;
    private readonly NetworkStream _clientStream;
    private readonly Channel<PendingRequest> _pending = Channel.CreateUnbounded<PendingRequest>(new() { SingleReader = true, SingleWriter = true });
    private Socket? _upstream;
    private NetworkStream? _upstreamStream;
    private HttpStreamReader? _upstreamReader;

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
        _upstreamStream?.Dispose();
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
            _upstreamStream?.Dispose();
        }
    }

    private async Task WaitForLatencyAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        var wait = _relay.Mode == LatencyMode.PerRequest
            ? _relay.Latency
            : request.ArrivedAt + _relay.Latency - _relay.Now;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
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
        var version = response.First;
        var status = response.StatusCode;
        long bodyBytes;
        var closeAfter = response.WantsClose(version) || request.Head.WantsClose(request.Head.Third);
        if (request.Head.First == "HEAD" || status is 204 or 304 || status < 200)
        {
            bodyBytes = 0;
        }
        else if (response.IsChunked)
        {
            bodyBytes = await CopyChunkedAsync(cancellationToken);
        }
        else if (response.ContentLength is { } length)
        {
            bodyBytes = await CopyAsync(length, cancellationToken);
        }
        else
        {
            // Delimited by the upstream closing: pass that on.
            bodyBytes = await CopyAsync(long.MaxValue, cancellationToken);
            closeAfter = true;
        }
        await _clientStream.FlushAsync(cancellationToken);

        if (response.WantsClose(version))
        {
            DropUpstream();
        }
        _relay.Record(new RelayedRequest(_id, request.Number, request.Head.First, request.Head.Second, request.ArrivedAt, startedAt, _relay.Now, status, bodyBytes));
        return !closeAfter;
    }

    /// <summary>Sends the request upstream and reads the response head; null if the upstream cannot be reached.</summary>
    private async Task<HttpHead?> ForwardAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        // A kept-alive upstream connection may have been closed by the server meanwhile: retry once on a fresh one.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var reused = _upstream is not null;
            try
            {
                if (!reused && !await ConnectUpstreamAsync(cancellationToken))
                {
                    return null;
                }
                await _upstreamStream!.WriteAsync(request.Head.Raw, cancellationToken);
                if (request.Body.Length > 0)
                {
                    await _upstreamStream.WriteAsync(request.Body, cancellationToken);
                }
                var head = await _upstreamReader!.ReadHeadAsync(cancellationToken);
                if (head is not null)
                {
                    return head;
                }
            }
            catch (Exception e) when (reused && e is IOException or SocketException)
            {
                // fall through to a fresh connection
            }
            DropUpstream();
            if (!reused)
            {
                return null;
            }
        }
        return null;
    }

    private async Task<bool> ConnectUpstreamAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(_relay.Upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_relay.Upstream, cancellationToken);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return false;
        }
        _upstream = socket;
        _upstreamStream = new NetworkStream(socket, ownsSocket: true);
        _upstreamReader = new HttpStreamReader(_upstreamStream);
        return true;
    }

    private void DropUpstream()
    {
        _upstreamStream?.Dispose();
        _upstream = null;
        _upstreamStream = null;
        _upstreamReader = null;
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

    /// <summary>Streams up to <paramref name="length"/> body bytes; a shorter upstream body ends the client connection too.</summary>
    private async Task<long> CopyAsync(long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long copied = 0;
            while (copied < length)
            {
                var read = await _upstreamReader!.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - copied)), cancellationToken);
                if (read == 0)
                {
                    if (length == long.MaxValue)
                    {
                        DropUpstream();
                        return copied;
                    }
                    throw new EndOfStreamException($"Upstream closed after {copied} of {length} body bytes.");
                }
                await _clientStream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                copied += read;
            }
            return copied;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Relays a chunked body as is (sizes, data, trailers); returns the data bytes.</summary>
    private async Task<long> CopyChunkedAsync(CancellationToken cancellationToken)
    {
        long data = 0;
        while (true)
        {
            var sizeLine = await _upstreamReader!.ReadLineAsync(cancellationToken);
            await WriteLineAsync(sizeLine, cancellationToken);
            var size = long.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers up to the empty line.
                string trailer;
                do
                {
                    trailer = await _upstreamReader.ReadLineAsync(cancellationToken);
                    await WriteLineAsync(trailer, cancellationToken);
                }
                while (trailer.Length > 0);
                return data;
            }
            data += await CopyAsync(size, cancellationToken);
            await WriteLineAsync(await _upstreamReader.ReadLineAsync(cancellationToken), cancellationToken);
        }
    }

    private ValueTask WriteLineAsync(string line, CancellationToken cancellationToken) =>
        _clientStream.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), cancellationToken);

    private static bool IsHangUp(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException;
}
