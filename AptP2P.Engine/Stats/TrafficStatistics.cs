namespace AptP2P.Engine.Stats;

/// <summary>A point-in-time copy of the node's traffic counters, since start.</summary>
public sealed record TrafficSnapshot(
    long Requests,
    long CacheHits,
    long CacheMisses,
    long BytesFromMirror,
    long BytesFromPeers,
    long BytesFromCache,
    long BytesToClients,
    long BytesUploaded,
    long HashMismatches,
    long BadPieces,
    long RefusedRequests,
    DateTimeOffset Since)
{
    /// <summary>Of <see cref="BytesFromPeers"/>, the bytes that came from peers on the LAN (the rest came over the internet).</summary>
    public long BytesFromLanPeers { get; init; }

    public long BytesFromInternetPeers => BytesFromPeers - BytesFromLanPeers;

    /// <summary>Of the bytes fetched from outside, the share that came from peers instead of the mirror.</summary>
    public double PeerShare => BytesFromMirror + BytesFromPeers == 0 ? 0 : (double)BytesFromPeers / (BytesFromMirror + BytesFromPeers);
}

/// <summary>Counters of everything the node moves, updated lock-free on the hot paths.</summary>
public sealed class TrafficStatistics(TimeProvider time)
{
    private readonly DateTimeOffset _since = time.GetUtcNow();
    private long _requests, _hits, _misses, _fromMirror, _fromPeers, _fromLanPeers, _fromCache, _toClients, _uploaded, _mismatches, _badPieces, _refused;

    public void Request() => Interlocked.Increment(ref _requests);
    public void CacheHit() => Interlocked.Increment(ref _hits);
    public void CacheMiss() => Interlocked.Increment(ref _misses);
    public void AddMirrorBytes(long bytes) => Interlocked.Add(ref _fromMirror, bytes);
    public void AddPeerBytes(long bytes, bool fromLan = false)
    {
        Interlocked.Add(ref _fromPeers, bytes);
        if (fromLan)
            Interlocked.Add(ref _fromLanPeers, bytes);
    }
    public void AddCacheBytes(long bytes) => Interlocked.Add(ref _fromCache, bytes);
    public void AddClientBytes(long bytes) => Interlocked.Add(ref _toClients, bytes);
    public void AddUploadedBytes(long bytes) => Interlocked.Add(ref _uploaded, bytes);
    public void HashMismatch() => Interlocked.Increment(ref _mismatches);
    public void BadPiece() => Interlocked.Increment(ref _badPieces);
    public void Refused() => Interlocked.Increment(ref _refused);

    public TrafficSnapshot Snapshot() => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _fromMirror),
        Interlocked.Read(ref _fromPeers),
        Interlocked.Read(ref _fromCache),
        Interlocked.Read(ref _toClients),
        Interlocked.Read(ref _uploaded),
        Interlocked.Read(ref _mismatches),
        Interlocked.Read(ref _badPieces),
        Interlocked.Read(ref _refused),
        _since)
    {
        BytesFromLanPeers = Interlocked.Read(ref _fromLanPeers),
    };
}
