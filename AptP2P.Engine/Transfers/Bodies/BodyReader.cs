using System.Buffers;
using System.Collections.Concurrent;

namespace AptP2P.Engine.Transfers.Bodies;

/// <summary>
/// Reads a response body into a sink with an activity timeout: the body may take as long as it likes in total, but may not
/// fall silent for longer than the timeout. Each wait for data starts with a zero-byte read, so a body that trickles holds
/// no pooled buffer while it is silent. Expected failures (silence, a broken connection, an early end) are results; only
/// the caller's cancellation throws.
/// </summary>
public sealed class BodyReader(TimeProvider time)
{
    public const int DefaultBufferSize = 64 * 1024;
    private const int MaxPooledTimeouts = 256;

    private readonly ConcurrentQueue<ActivityTimeout> _timeouts = new();
    private int _pooled;

    /// <param name="maxBytes">How many bytes to read at most; <see cref="long.MaxValue"/> reads to the end of the body.</param>
    /// <param name="bufferSize">The largest chunk handed to the sink at once.</param>
    public async ValueTask<BodyReadResult> ReadAsync(Stream body, IBodySink sink, long maxBytes, TimeSpan activityTimeout, int bufferSize,
        CancellationToken cancellationToken)
    {
        var activity = RentTimeout(activityTimeout, cancellationToken);
        byte[]? buffer = null;
        long taken = 0;
        try
        {
            while (taken < maxBytes)
            {
                // Wait for data without a buffer; a stream that cannot wait on a zero-byte read returns at once.
                var ready = body.ReadAsync(Memory<byte>.Empty, activity.Token);
                if (ready.IsCompletedSuccessfully)
                {
                    _ = ready.Result;
                }
                else
                {
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }
                    await ready;
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(bufferSize);
                var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(bufferSize, maxBytes - taken)), activity.Token);
                if (read == 0)
                    return new(maxBytes == long.MaxValue ? BodyReadStatus.Done : BodyReadStatus.EndOfStream, taken);
                activity.Rearm();
                if (!sink.Accept(buffer.AsSpan(0, read)))
                    return new(BodyReadStatus.Stopped, taken);
                taken += read;
            }
            return new(BodyReadStatus.Done, taken);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && activity.TimedOut)
        {
            return new(BodyReadStatus.TimedOut, taken, ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return new(BodyReadStatus.Failed, taken, ex);
        }
        finally
        {
            if (buffer is not null)
                ArrayPool<byte>.Shared.Return(buffer);
            ReturnTimeout(activity);
        }
    }

    private ActivityTimeout RentTimeout(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_timeouts.TryDequeue(out var activity))
            Interlocked.Decrement(ref _pooled);
        else
            activity = new ActivityTimeout(time);
        activity.Start(timeout, cancellationToken);
        return activity;
    }

    private void ReturnTimeout(ActivityTimeout activity)
    {
        if (activity.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooledTimeouts)
            {
                _timeouts.Enqueue(activity);
                return;
            }
            Interlocked.Decrement(ref _pooled);
        }
        activity.Dispose();
    }
}
