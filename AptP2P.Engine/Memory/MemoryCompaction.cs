using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Memory;

/// <summary>
/// Gives memory back after a burst of work. Parsing an index of 50,000 entries, or loading all of Debian's at start, allocates
/// hundreds of megabytes of short-lived objects; the GC keeps the space it grew into committed (and resident) long after, so
/// that a node idle after an <c>apt-get update</c> held three times its live heap. Once the node has been quiet for
/// <see cref="Quiet"/> after such work, one aggressive collection compacts the heap and decommits what it no longer needs,
/// and the native heap hands its free memory back (<see cref="NativeHeap.Trim"/>). Bursts close together make one collection.
/// </summary>
public sealed partial class MemoryCompaction : IDisposable
{
    /// <summary>How long after the last burst the collection runs: an update's indexes arrive within this of each other.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private readonly ITimer _timer;
    private readonly ILogger<MemoryCompaction> _logger;
    private int _compactions;

    public MemoryCompaction(TimeProvider time, ILogger<MemoryCompaction> logger)
    {
        _logger = logger;
        _timer = time.CreateTimer(_ => Compact(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many collections ran.</summary>
    public int Compactions => Volatile.Read(ref _compactions);

    /// <summary>A burst of allocation has just ended: collect once the node has been quiet for <see cref="Quiet"/>.</summary>
    public void AfterBurst() => _timer.Change(Quiet, Timeout.InfiniteTimeSpan);

    private void Compact()
    {
        var before = Environment.WorkingSet;
        var started = TimeProvider.System.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        Interlocked.Increment(ref _compactions);
        LogCompacted(before / 1_000_000, Environment.WorkingSet / 1_000_000, (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Memory compacted after a burst of work: resident {Before} MB -> {After} MB in {Elapsed} ms")]
    private partial void LogCompacted(long before, long after, long elapsed);
}
