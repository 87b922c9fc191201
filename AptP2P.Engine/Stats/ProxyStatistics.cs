namespace AptP2P.Engine.Stats;

/// <summary>A point-in-time copy of the proxy's counters.</summary>
public sealed record ProxySnapshot(
    long Requests,
    long CacheHits,
    long CacheMisses,
    long BytesFromMirror,
    long BytesFromCache,
    long BytesToClients,
    long HashMismatches,
    long RefusedRequests,
    DateTimeOffset Since);

/// <summary>Counters of the apt-facing side, updated lock-free on the hot path.</summary>
public sealed class ProxyStatistics(TimeProvider time)
{
    private readonly DateTimeOffset _since = time.GetUtcNow();
    private long _requests, _hits, _misses, _fromMirror, _fromCache, _toClients, _mismatches, _refused;

    public void Request() => Interlocked.Increment(ref _requests);
    public void CacheHit() => Interlocked.Increment(ref _hits);
    public void CacheMiss() => Interlocked.Increment(ref _misses);
    public void AddMirrorBytes(long bytes) => Interlocked.Add(ref _fromMirror, bytes);
    public void AddCacheBytes(long bytes) => Interlocked.Add(ref _fromCache, bytes);
    public void AddClientBytes(long bytes) => Interlocked.Add(ref _toClients, bytes);
    public void HashMismatch() => Interlocked.Increment(ref _mismatches);
    public void Refused() => Interlocked.Increment(ref _refused);

    public ProxySnapshot Snapshot() => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _fromMirror),
        Interlocked.Read(ref _fromCache),
        Interlocked.Read(ref _toClients),
        Interlocked.Read(ref _mismatches),
        Interlocked.Read(ref _refused),
        _since);
}
