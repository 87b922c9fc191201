using System.Collections.Concurrent;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace AptP2P.Engine.Cache;

/// <summary>
/// Copies of small, often requested cache files held in memory, so that a hit costs no open, read and close: what makes
/// many small hits at once (apt on a dozen machines after a point release) approach a kernel-served file. The files are
/// content-addressed and verified, so a copy can never be stale; it lives as long as its entry and the budget allow, the
/// least recently served going first.
/// </summary>
public sealed class MemoryCopies
{
    /// <summary>Larger files are always read from disk: their reads are large enough that the open costs little.</summary>
    public const long MaxFileSize = 256 * 1024;

    private readonly ConcurrentDictionary<CacheEntry, Copy> _copies = new();
    private readonly Lock _gate = new();
    private long _budget;
    private long _held;
    private long _clock;

    /// <param name="budget">Bytes of copies held at most; 0 holds none.</param>
    public MemoryCopies(long budget) => _budget = Math.Max(0, budget);

    /// <summary>Copies within the budget of <c>AptP2P:Cache:MemorySize</c>, resized when the settings change.</summary>
    public static MemoryCopies Following(IOptionsMonitor<AptP2POptions> options)
    {
        static long BudgetOf(AptP2POptions o) => ByteSize.TryParse(o.Cache.MemorySize, out var size) ? size : 0;
        var copies = new MemoryCopies(BudgetOf(options.CurrentValue));
        options.OnChange(changed => copies.Resize(BudgetOf(changed)));
        return copies;
    }

    public long Budget => Volatile.Read(ref _budget);
    public long HeldBytes
    {
        get
        {
            lock (_gate)
                return _held;
        }
    }
    public int Count => _copies.Count;

    /// <summary>The copy of <paramref name="entry"/>, marked as just served; null when none is held.</summary>
    public byte[]? Find(CacheEntry entry)
    {
        if (entry.Size > MaxFileSize || !_copies.TryGetValue(entry, out var copy))
            return null;
        copy.LastUse = Interlocked.Increment(ref _clock);
        return copy.Content;
    }

    /// <summary>Reads the whole file of <paramref name="entry"/> from <paramref name="handle"/> and keeps it, if it qualifies and fits.</summary>
    /// <returns>The bytes read, for the caller to serve instead of reading the file again; null when nothing was read.</returns>
    public byte[]? Offer(CacheEntry entry, SafeFileHandle handle)
    {
        if (entry.Size > MaxFileSize || entry.Size > Budget || entry.ExternalPath is not null)
            return null;
        var content = new byte[entry.Size];
        var read = 0;
        while (read < content.Length)
        {
            var n = RandomAccess.Read(handle, content.AsSpan(read), read);
            if (n == 0)
                return null; // shorter than its entry says: not a copy to serve
            read += n;
        }
        lock (_gate)
        {
            if (_copies.TryAdd(entry, new Copy(content) { LastUse = Interlocked.Increment(ref _clock) }))
            {
                _held += content.Length;
                TrimLocked();
            }
        }
        return content;
    }

    /// <summary>Drops the copy of a file that left the store.</summary>
    public void Drop(CacheEntry entry)
    {
        lock (_gate)
        {
            if (_copies.TryRemove(entry, out var copy))
                _held -= copy.Content.Length;
        }
    }

    /// <summary>Sets a new budget (the settings changed), dropping copies beyond it.</summary>
    public void Resize(long budget)
    {
        lock (_gate)
        {
            _budget = Math.Max(0, budget);
            TrimLocked();
        }
    }

    /// <summary>Drops least recently served copies until the held bytes fit the budget; a tenth below it, so that trims are rare.</summary>
    private void TrimLocked()
    {
        if (_held <= _budget)
            return;
        var target = _budget - _budget / 10;
        foreach (var (entry, copy) in _copies.OrderBy(pair => pair.Value.LastUse).ToList())
        {
            if (_held <= target)
                break;
            if (_copies.TryRemove(entry, out _))
                _held -= copy.Content.Length;
        }
    }

    private sealed class Copy(byte[] content)
    {
        private long _lastUse;

        public byte[] Content { get; } = content;
        public long LastUse
        {
            get => Volatile.Read(ref _lastUse);
            set => Volatile.Write(ref _lastUse, value);
        }
    }
}
