namespace AptP2P.Engine.Peers;

/// <summary>
/// When each held file is next due for an announce: a priority queue by due time, so that the announcer sleeps until the
/// earliest one instead of scanning every file. Rescheduling a file replaces its earlier time.
/// </summary>
internal sealed class AnnounceSchedule
{
    private readonly PriorityQueue<ContentHash, DateTimeOffset> _queue = new();
    private readonly Dictionary<ContentHash, DateTimeOffset> _due = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _earlier = NewSource();

    /// <summary>Files scheduled (a file that left the cache is dropped when it comes due).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _due.Count;
        }
    }

    /// <summary>The earliest due time, or null when nothing is scheduled.</summary>
    public DateTimeOffset? Next
    {
        get
        {
            lock (_lock)
                return SkipStale() ? _queue.TryPeek(out _, out var due) ? due : null : null;
        }
    }

    /// <summary>Completes when a file is scheduled before the time <see cref="Next"/> said; take it before reading <see cref="Next"/>.</summary>
    public Task Earlier
    {
        get
        {
            lock (_lock)
                return _earlier.Task;
        }
    }

    public void Schedule(ContentHash hash, DateTimeOffset due)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            var wasNext = SkipStale() && _queue.TryPeek(out _, out var next) ? next : DateTimeOffset.MaxValue;
            _due[hash] = due;
            _queue.Enqueue(hash, due);
            if (due < wasNext)
            {
                wake = _earlier;
                _earlier = NewSource();
            }
        }
        wake?.TrySetResult();
    }

    /// <summary>Adds a file only if it is not scheduled yet.</summary>
    public void TryAdd(ContentHash hash, DateTimeOffset due)
    {
        lock (_lock)
        {
            if (_due.ContainsKey(hash))
                return;
        }
        Schedule(hash, due);
    }

    public void Remove(ContentHash hash)
    {
        lock (_lock)
            _due.Remove(hash);
    }

    /// <summary>Takes the files due at <paramref name="now"/>; each stays scheduled only if the caller schedules it again.</summary>
    public List<ContentHash> TakeDue(DateTimeOffset now)
    {
        var taken = new List<ContentHash>();
        lock (_lock)
        {
            while (SkipStale() && _queue.TryPeek(out var hash, out var due) && due <= now)
            {
                _queue.Dequeue();
                _due.Remove(hash);
                taken.Add(hash);
            }
        }
        return taken;
    }

    /// <summary>Drops queue entries whose file was rescheduled or removed since; true while the queue is not empty.</summary>
    private bool SkipStale()
    {
        while (_queue.TryPeek(out var hash, out var due))
        {
            if (_due.TryGetValue(hash, out var current) && current == due)
                return true;
            _queue.Dequeue();
        }
        return false;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
