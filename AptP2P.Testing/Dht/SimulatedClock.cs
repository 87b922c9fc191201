namespace AptP2P.Testing.Dht;

/// <summary>
/// A discrete-event clock for large simulations (the 2,000-node benchmark): time jumps straight to the next timer instead of
/// stepping, so a simulated hour of a whole network costs only the events in it. Single-threaded: call <see cref="RunNext"/>
/// from one thread and run posted continuations between events.
/// </summary>
public sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private readonly PriorityQueue<(SimulatedTimer Timer, long Version), (long Due, long Sequence)> _queue = new();
    private long _now = start.UtcTicks;
    private long _sequence;

    public override DateTimeOffset GetUtcNow() => new(_now, TimeSpan.Zero);
    public override long GetTimestamp() => _now;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Fires the earliest timer due no later than <paramref name="limit"/>; false when there is none.</summary>
    public bool RunNext(DateTimeOffset limit)
    {
        while (_queue.TryPeek(out var entry, out var key))
        {
            if (key.Due > limit.UtcTicks)
                return false;
            _queue.Dequeue();
            if (entry.Version != entry.Timer.Version)
                continue;
            _now = Math.Max(_now, key.Due);
            entry.Timer.Fire();
            return true;
        }
        return false;
    }

    /// <summary>Moves the clock forward with nothing firing (when the queue is empty up to <paramref name="to"/>).</summary>
    public void AdvanceTo(DateTimeOffset to) => _now = Math.Max(_now, to.UtcTicks);

    private void Schedule(SimulatedTimer timer, TimeSpan due) =>
        _queue.Enqueue((timer, timer.Version), (_now + Math.Max(due.Ticks, 0), _sequence++));

    private sealed class SimulatedTimer(SimulatedClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        public long Version { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Version++;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
                clock.Schedule(this, dueTime);
            return true;
        }

        public void Fire()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
                clock.Schedule(this, _period);
            callback(state);
        }

        public void Dispose() => Version++;

        public ValueTask DisposeAsync()
        {
            Version++;
            return ValueTask.CompletedTask;
        }
    }
}
