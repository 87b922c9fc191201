using Microsoft.Win32.SafeHandles;

namespace AptP2P.Engine.Cache;

/// <summary>An open cache file. While a lease is held the file is not evicted; dispose it when the response is done.</summary>
public sealed class CacheLease : IDisposable
{
    private int _disposed;

    internal CacheLease(CacheEntry entry, SafeFileHandle handle)
    {
        Entry = entry;
        Handle = handle;
        entry.AddReader();
    }

    public CacheEntry Entry { get; }
    public SafeFileHandle Handle { get; }

    /// <summary>
    /// Reads synchronously: on Linux "async" file reads are synchronous reads queued to the thread pool, so reading here
    /// does the same work without the hop (cache files are local, usually in the page cache).
    /// </summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(RandomAccess.Read(Handle, buffer.Span, offset));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Handle.Dispose();
        Entry.RemoveReader();
    }
}
