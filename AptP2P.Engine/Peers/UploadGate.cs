using System.Threading.RateLimiting;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Peers;

/// <summary>
/// What the node gives to peers: a number of upload slots and a byte rate over all uploads (a token bucket), both read
/// live from <see cref="PeerOptions"/>. A peer beyond them is told to come back later (503 with Retry-After).
/// </summary>
public sealed class UploadGate : IDisposable
{
    /// <summary>A peer waiting longer than this for its share of the rate is turned away instead.</summary>
    private static readonly TimeSpan MaxQueueTime = TimeSpan.FromSeconds(5);

    private readonly IOptionsMonitor<PeerOptions> _options;
    private readonly IDisposable? _subscription;
    private RateLimiter? _rate;
    private long _bytesPerSecond;
    private int _active;

    public UploadGate(IOptionsMonitor<PeerOptions> options)
    {
        _options = options;
        Configure(options.CurrentValue);
        _subscription = options.OnChange(Configure);
    }

    public int ActiveUploads => Volatile.Read(ref _active);

    /// <summary>Largest chunk to read before asking the rate for it (the bucket holds one second of bytes).</summary>
    public int MaxChunk => Volatile.Read(ref _bytesPerSecond) is var rate && rate > 0 ? (int)Math.Clamp(rate, 1024, 256 * 1024) : 256 * 1024;

    /// <summary>Takes an upload slot, or says how long to wait when all are busy or the rate is booked up.</summary>
    public bool TryEnter(out UploadSlot slot, out TimeSpan retryAfter)
    {
        slot = default;
        retryAfter = TimeSpan.FromSeconds(5);
        if (Volatile.Read(ref _rate) is { } rate && rate.GetStatistics() is { } stats
            && Volatile.Read(ref _bytesPerSecond) is var bps && bps > 0 && stats.CurrentQueuedCount > bps * MaxQueueTime.TotalSeconds)
        {
            return false;
        }

        var slots = _options.CurrentValue.UploadSlots;
        if (Interlocked.Increment(ref _active) > slots)
        {
            Interlocked.Decrement(ref _active);
            return false;
        }
        slot = new UploadSlot(this);
        return true;
    }

    /// <summary>Waits until <paramref name="bytes"/> may be sent under the upload rate (at once when unlimited).</summary>
    public async ValueTask ThrottleAsync(int bytes, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _rate) is not { } rate || bytes <= 0)
            return;
        try
        {
            using var lease = await rate.AcquireAsync(Math.Min(bytes, (int)Math.Min(int.MaxValue, Volatile.Read(ref _bytesPerSecond))), cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The limit was changed while this upload waited; the next chunk waits on the new bucket.
        }
    }

    internal void Leave() => Interlocked.Decrement(ref _active);

    private void Configure(PeerOptions options)
    {
        var bytesPerSecond = ByteSize.TryParse(options.UploadRateLimit, out var parsed) ? parsed : 0;
        RateLimiter? next = bytesPerSecond <= 0 ? null : new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = (int)Math.Min(int.MaxValue, bytesPerSecond),
            TokensPerPeriod = (int)Math.Max(1, Math.Min(int.MaxValue, bytesPerSecond / 10)),
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        Interlocked.Exchange(ref _bytesPerSecond, bytesPerSecond);
        Interlocked.Exchange(ref _rate, next)?.Dispose();
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _rate?.Dispose();
    }
}

/// <summary>One upload in progress; dispose when the response is done.</summary>
public readonly struct UploadSlot(UploadGate gate) : IDisposable
{
    public void Dispose() => gate?.Leave();
}
