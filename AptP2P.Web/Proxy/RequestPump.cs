using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace AptP2P.Web.Proxy;

/// <summary>
/// Sits between the socket and Kestrel on one connection. Kestrel answers pipelined requests strictly one after another and
/// reads the next request only when the previous answer is done; apt queues up to ten on its one connection. The pump reads
/// the socket ahead of Kestrel, copies every byte through unchanged, and hands each request head to the
/// <see cref="Prefetcher"/> the moment it arrives, so the transfers of queued requests are already running when their turn comes.
/// </summary>
internal sealed class RequestPump
{
    /// <summary>How many requests beyond the one being answered may be prefetched on one connection.</summary>
    public const int Window = 16;

    private readonly IDuplexPipe _transport;
    private readonly Pipe _toKestrel;
    private readonly Action<RequestHead> _offer;
    private readonly PrefetchWindow _window;
    private byte[] _pending = [];
    private int _pendingLength;
    private long _seen;
    private bool _stopped;

    private RequestPump(IDuplexPipe transport, Action<RequestHead> offer, PrefetchWindow window)
    {
        _transport = transport;
        _offer = offer;
        _window = window;
        // Inline schedulers: Kestrel's read continues on the pump's thread, so the pump costs no extra thread hop per request.
        _toKestrel = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 1024 * 1024,
            resumeWriterThreshold: 512 * 1024,
            useSynchronizationContext: false));
    }

    /// <summary>Kestrel connection middleware: puts a pump on every connection of the listener.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(Func<ConnectionContext, Action<RequestHead>> offerFor) =>
        next => async connection =>
        {
            var window = new PrefetchWindow();
            connection.Items[PrefetchWindow.ItemKey] = window;
            var pump = new RequestPump(connection.Transport, offerFor(connection), window);
            var original = connection.Transport;
            connection.Transport = new DuplexPipe(pump._toKestrel.Reader, original.Output);
            var pumping = pump.RunAsync();
            try
            {
                await next(connection);
            }
            finally
            {
                await pump._toKestrel.Reader.CompleteAsync();
                original.Input.CancelPendingRead();
                await pumping;
                connection.Transport = original;
            }
        };

    private async Task RunAsync()
    {
        var input = _transport.Input;
        var output = _toKestrel.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    Scan(segment.Span);
                    await output.WriteAsync(segment);
                }
                input.AdvanceTo(buffer.End);
                var flushed = await output.FlushAsync();
                if (result.IsCompleted || result.IsCanceled || flushed.IsCompleted)
                    break;
            }
        }
        // ConnectionAbortedException: Kestrel cut the connection (the node is stopping, or the client went away mid-read).
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            error = ex;
        }
        await output.CompleteAsync(error);
        await input.CompleteAsync();
    }

    /// <summary>Collects bytes until a head is complete; heads are small, so only the unfinished one is kept.</summary>
    private void Scan(ReadOnlySpan<byte> bytes)
    {
        if (_stopped)
            return;
        EnsureCapacity(_pendingLength + bytes.Length);
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;

        var offset = 0;
        while (offset < _pendingLength)
        {
            // A lone head Kestrel will take up as soon as it arrives (nothing else pending) gains nothing from a head start;
            // the first of several that arrived together does: its transfer must not start after those queued behind it.
            var rest = _pending.AsSpan(offset, _pendingLength - offset);
            var idle = _seen == _window.Started && _window.Started == _window.Completed;
            var wanted = (!idle || RequestHeadScanner.CountCompleteHeads(rest) > 1) && _seen - _window.Started < Window;
            var length = RequestHeadScanner.TryRead(rest, out var head, withTarget: wanted);
            if (length == 0)
                break;
            if (length < 0 || head.HasBody || head.IsUpgrade)
            {
                // Bodies and upgraded connections (SignalR) are not heads we can follow: stop looking on this connection.
                _stopped = true;
                _pending = [];
                _pendingLength = 0;
                return;
            }
            offset += length;
            if (wanted)
                _offer(head);
            _seen++;
        }
        _pending.AsSpan(offset, _pendingLength - offset).CopyTo(_pending);
        _pendingLength -= offset;
    }

    private void EnsureCapacity(int needed)
    {
        if (_pending.Length >= needed)
            return;
        Array.Resize(ref _pending, Math.Max(needed, Math.Max(4096, _pending.Length * 2)));
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}

/// <summary>Counts the requests Kestrel has started and finished on a connection, so the pump prefetches only a bounded way ahead.</summary>
internal sealed class PrefetchWindow
{
    public const string ItemKey = "AptP2P.PrefetchWindow";
    private long _started;
    private long _completed;

    public long Started => Interlocked.Read(ref _started);
    public long Completed => Interlocked.Read(ref _completed);

    public void RequestStarted() => Interlocked.Increment(ref _started);
    public void RequestCompleted() => Interlocked.Increment(ref _completed);
}
