using Microsoft.Win32.SafeHandles;

namespace AptP2P.Engine.Cache;

/// <summary>
/// A cache file being read: its open handle, or the copy <see cref="MemoryCopies"/> holds of a small one. While a lease is
/// held the file is not evicted; dispose it when the response is done.
/// </summary>
public sealed class CacheLease : IFileBody, IDisposable
{
    private readonly SafeFileHandle? _handle;
    private readonly byte[]? _copy;
    private int _disposed;

    internal CacheLease(CacheEntry entry, SafeFileHandle handle)
    {
        Entry = entry;
        _handle = handle;
        entry.AddReader();
    }

    internal CacheLease(CacheEntry entry, byte[] copy)
    {
        Entry = entry;
        _copy = copy;
        entry.AddReader();
    }

    public CacheEntry Entry { get; }

    /// <summary>The open file. Leases taken for the node's own reads (<c>touch: false</c>) always have one; served ones may not.</summary>
    public SafeFileHandle Handle => _handle ?? throw new InvalidOperationException("this lease serves a copy held in memory, not the file");

    /// <summary>
    /// Reads synchronously: on Linux "async" file reads are synchronous reads queued to the thread pool, so reading here
    /// does the same work without the hop (cache files are local, usually in the page cache).
    /// </summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_copy is null)
            return ValueTask.FromResult(RandomAccess.Read(_handle!, buffer.Span, offset));
        if (offset >= _copy.Length)
            return ValueTask.FromResult(0);
        var count = (int)Math.Min(buffer.Length, _copy.Length - offset);
        _copy.AsSpan((int)offset, count).CopyTo(buffer.Span);
        return ValueTask.FromResult(count);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _handle?.Dispose();
        Entry.RemoveReader();
    }
}
