using System.Net;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>
/// A token bucket per source address for incoming queries, so that one host cannot make the node work (or answer) without
/// bound. The table of sources is bounded too: when it is full, idle buckets are forgotten.
/// </summary>
public sealed class SourceRateLimiter(TimeProvider time, double perSecond, int burst, int maxSources = 10_000)
{
    private readonly Dictionary<IPAddress, (double Tokens, long Stamp)> _buckets = [];

    public bool Allow(IPAddress source)
    {
        var now = time.GetTimestamp();
        if (!_buckets.TryGetValue(source, out var bucket))
        {
            if (_buckets.Count >= maxSources)
                Prune(now);
            bucket = (burst, now);
        }
        var elapsed = time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
        var tokens = Math.Min(burst, bucket.Tokens + elapsed * perSecond);
        var allowed = tokens >= 1;
        _buckets[source] = (allowed ? tokens - 1 : tokens, now);
        return allowed;
    }

    private void Prune(long now)
    {
        var idle = _buckets.Where(b => time.GetElapsedTime(b.Value.Stamp, now).TotalSeconds * perSecond >= burst).Select(b => b.Key).ToList();
        foreach (var key in idle)
            _buckets.Remove(key);
        if (_buckets.Count >= maxSources)
            _buckets.Clear();
    }
}
