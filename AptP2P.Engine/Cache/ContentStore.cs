using System.Collections.Concurrent;
using AptP2P.Data.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Cache;

/// <summary>
/// The content-addressed store: files named by SHA-256 under <c>cache/</c>, an in-memory index of them (the hot path never
/// touches SQLite), the size limit with least-recently-used eviction, and the write-behind record in the database.
/// </summary>
public sealed partial class ContentStore(
    DataDirectory directory,
    DatabaseWriter writer,
    MemoryCopies copies,
    IOptionsMonitor<AptP2POptions> options,
    TimeProvider time,
    ILogger<ContentStore> logger)
{
    private readonly ConcurrentDictionary<ContentHash, CacheEntry> _entries = new();
    private readonly ConcurrentDictionary<ContentHash, byte> _touched = new();
    private readonly Lock _evictionLock = new();
    private long _totalSize;

    public DataDirectory Directory => directory;
    public int Count => _entries.Count;
    public long TotalSize => Interlocked.Read(ref _totalSize);

    public long SizeLimit =>
        ByteSize.TryParse(options.CurrentValue.Cache.SizeLimit, out var limit) ? limit : long.MaxValue;

    public IEnumerable<CacheEntry> Entries => _entries.Values;

    public bool Contains(ContentHash hash) => _entries.ContainsKey(hash);

    public CacheEntry? Find(ContentHash hash) => _entries.GetValueOrDefault(hash);

    /// <summary>Opens a stored file for reading, or returns null when it is not (or no longer) in the store.</summary>
    /// <param name="touch">False for the node's own housekeeping reads (piece lists), which must not make a file look used.</param>
    public CacheLease? TryOpen(ContentHash hash, bool touch = true)
    {
        if (!_entries.TryGetValue(hash, out var entry))
            return null;
        if (touch && copies.Find(entry) is { } held)
        {
            Touch(entry);
            return new CacheLease(entry, held);
        }
        try
        {
            var handle = File.OpenHandle(entry.ExternalPath ?? directory.PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            if (entry.ExternalPath is not null && RandomAccess.GetLength(handle) != entry.Size)
            {
                // Someone changed a shared file in place: it is no longer the file we hashed.
                handle.Dispose();
                Forget(entry);
                return null;
            }
            if (touch)
            {
                Touch(entry);
                // The first hit of a small file is served from the copy it has just made, not read a second time.
                if (copies.Offer(entry, handle) is { } read)
                {
                    handle.Dispose();
                    return new CacheLease(entry, read);
                }
            }
            return new CacheLease(entry, handle);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            LogVanished(hash);
            Forget(entry);
            return null;
        }
    }

    private void Touch(CacheEntry entry)
    {
        entry.Touch(time.GetUtcNow());
        _touched.TryAdd(entry.Hash, 0);
    }

    /// <summary>Moves a complete, checked partial file into the store under its hash.</summary>
    public CacheEntry Add(string partialPath, ContentHash hash, long size, bool verified)
    {
        var finalPath = directory.PathOf(hash);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        if (_entries.TryGetValue(hash, out var existing))
        {
            File.Delete(partialPath);
            return existing;
        }

        File.Move(partialPath, finalPath, overwrite: true);
        var now = time.GetUtcNow();
        var entry = new CacheEntry(hash, size, verified, now, now, 0);
        if (!_entries.TryAdd(hash, entry))
            return _entries[hash];
        Interlocked.Add(ref _totalSize, size);

        var row = new CachedFile { Sha256 = hash.ToString(), Size = size, StoredAt = now, LastAccessAt = now, Verified = verified };
        writer.Enqueue("store cached file", (db, ct) => CacheRows.StoreAsync(db, row, ct));

        EvictToLimit();
        return entry;
    }

    /// <summary>
    /// Shares a file that lives outside the cache, read-only, after its SHA-256 was computed and found in the archive
    /// metadata. It is never moved or deleted; forgetting it only stops sharing it.
    /// </summary>
    public CacheEntry? AddExternal(string path, ContentHash hash, long size)
    {
        var now = time.GetUtcNow();
        var entry = new CacheEntry(hash, size, verified: true, now, now, 0) { ExternalPath = path };
        if (!_entries.TryAdd(hash, entry))
            return null;
        return entry;
    }

    /// <summary>
    /// Marks a stored file verified once its content was hashed again and found in the archive metadata (after a crash
    /// lost its record, say). The record follows write-behind: lost again, it is redone at the next start.
    /// </summary>
    public void MarkVerified(CacheEntry entry)
    {
        if (entry.Verified || entry.ExternalPath is not null || Find(entry.Hash) != entry)
            return;
        entry.MarkVerified();
        var sha = entry.Hash.ToString();
        writer.Enqueue("verified cached file", (db, ct) =>
            db.ExecuteAsync("UPDATE \"CachedFiles\" SET \"Verified\" = 1 WHERE \"Sha256\" = @p0", ct, sha));
    }

    /// <summary>Removes a file unless someone is reading it.</summary>
    public bool TryRemove(ContentHash hash)
    {
        if (!_entries.TryGetValue(hash, out var entry) || entry.Readers > 0)
            return false;
        Delete(entry);
        return true;
    }

    /// <summary>Counts bytes of a file sent to a peer (kept with the file's access record).</summary>
    public void RecordUpload(CacheEntry entry, long bytes)
    {
        entry.AddUploaded(bytes);
        _touched.TryAdd(entry.Hash, 0);
    }

    /// <summary>Evicts least recently used files (never one being read) until the store fits its limit.</summary>
    public void EvictToLimit()
    {
        var limit = SizeLimit;
        if (TotalSize <= limit)
            return;
        lock (_evictionLock)
        {
            if (TotalSize <= limit)
                return;
            foreach (var entry in _entries.Values.OrderBy(e => e.LastAccess).ToList())
            {
                if (TotalSize <= limit)
                    break;
                if (entry.Readers > 0 || entry.ExternalPath is not null)
                    continue;
                LogEvicted(entry.Hash, entry.Size, entry.LastAccess);
                Delete(entry);
            }
        }
    }

    /// <summary>Writes the access times and hit counts gathered since the last flush.</summary>
    public void FlushAccessTimes()
    {
        var updates = new List<(string Sha, DateTimeOffset At, long Hits, long Uploaded)>();
        foreach (var hash in _touched.Keys)
        {
            _touched.TryRemove(hash, out _);
            if (_entries.TryGetValue(hash, out var entry) && entry.ExternalPath is null)
                updates.Add((hash.ToString(), entry.LastAccess, entry.Hits, entry.UploadedBytes));
        }
        if (updates.Count == 0)
            return;
        writer.Enqueue("cache access times", async (db, ct) =>
        {
            foreach (var (sha, at, hits, uploaded) in updates)
            {
                await db.ExecuteAsync("UPDATE \"CachedFiles\" SET \"LastAccessAt\" = @p1, \"Hits\" = @p2, \"UploadedBytes\" = @p3 WHERE \"Sha256\" = @p0",
                    ct, sha, at, hits, uploaded);
            }
        });
    }

    /// <summary>Fills the in-memory index at start (after reconciliation).</summary>
    internal void Load(CachedFile row)
    {
        if (!ContentHash.TryParse(row.Sha256, out var hash))
            return;
        var entry = new CacheEntry(hash, row.Size, row.Verified, row.StoredAt, row.LastAccessAt, row.Hits, row.UploadedBytes);
        if (_entries.TryAdd(hash, entry))
            Interlocked.Add(ref _totalSize, row.Size);
    }

    private void Delete(CacheEntry entry)
    {
        if (entry.ExternalPath is not null)
        {
            if (_entries.TryRemove(entry.Hash, out _))
                Left(entry);
            return;
        }
        if (!_entries.TryRemove(entry.Hash, out _))
            return;
        Interlocked.Add(ref _totalSize, -entry.Size);
        try
        {
            File.Delete(directory.PathOf(entry.Hash));
        }
        catch (IOException ex)
        {
            LogDeleteFailed(entry.Hash, ex);
        }
        ForgetRow(entry.Hash);
        Left(entry);
    }

    private void Forget(CacheEntry entry)
    {
        if (entry.ExternalPath is not null)
        {
            if (_entries.TryRemove(entry.Hash, out _))
                Left(entry);
            return;
        }
        if (_entries.TryRemove(entry.Hash, out _))
        {
            Interlocked.Add(ref _totalSize, -entry.Size);
            ForgetRow(entry.Hash);
            Left(entry);
        }
    }

    private void Left(CacheEntry entry) => copies.Drop(entry);

    private void ForgetRow(ContentHash hash)
    {
        var sha = hash.ToString();
        writer.Enqueue("forget cached file", (db, ct) => CacheRows.ForgetAsync(db, sha, ct));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache file {Hash} vanished from disk; forgotten")]
    private partial void LogVanished(ContentHash hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted {Hash} ({Size} bytes, last used {LastAccess}) to stay under the cache size limit")]
    private partial void LogEvicted(ContentHash hash, long size, DateTimeOffset lastAccess);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete cache file {Hash}")]
    private partial void LogDeleteFailed(ContentHash hash, Exception exception);
}
