namespace AptP2P.Engine.Cache;

/// <summary>One file of the content store, as the in-memory index sees it.</summary>
public sealed class CacheEntry(ContentHash hash, long size, bool verified, DateTimeOffset storedAt, DateTimeOffset lastAccess, long hits, long uploaded = 0)
{
    private long _lastAccessTicks = lastAccess.UtcTicks;
    private long _hits = hits;
    private long _uploaded = uploaded;
    private int _readers;

    public ContentHash Hash { get; } = hash;
    public long Size { get; } = size;
    /// <summary>
    /// The file's SHA-256 and size are what archive metadata lists (known before it was stored, or checked against the
    /// index since), so it may be shared with peers.
    /// </summary>
    public bool Verified => Volatile.Read(ref _verified);
    private bool _verified = verified;
    public DateTimeOffset StoredAt { get; } = storedAt;

    /// <summary>The strong HTTP entity tag of this content (its quoted SHA-256), made once rather than on every hit.</summary>
    public string EntityTag => _entityTag ??= $"\"{Hash}\"";
    private string? _entityTag;

    /// <summary>
    /// For a file shared from a directory outside the cache (such as <c>/var/cache/apt/archives</c>): its path. Such files
    /// are read in place, never moved, evicted or deleted, and do not count towards the cache size.
    /// </summary>
    public string? ExternalPath { get; init; }
    public DateTimeOffset LastAccess => new(Interlocked.Read(ref _lastAccessTicks), TimeSpan.Zero);
    public long Hits => Interlocked.Read(ref _hits);
    /// <summary>Bytes of this file sent to peers.</summary>
    public long UploadedBytes => Interlocked.Read(ref _uploaded);
    /// <summary>Readers holding the file open; an entry with readers is never evicted.</summary>
    public int Readers => Volatile.Read(ref _readers);

    internal void Touch(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _lastAccessTicks, now.UtcTicks);
        Interlocked.Increment(ref _hits);
    }

    internal void MarkVerified() => Volatile.Write(ref _verified, true);

    internal void AddUploaded(long bytes) => Interlocked.Add(ref _uploaded, bytes);

    internal void AddReader() => Interlocked.Increment(ref _readers);
    internal void RemoveReader() => Interlocked.Decrement(ref _readers);
}
