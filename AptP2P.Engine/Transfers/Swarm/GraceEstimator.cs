namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// How long to wait for peers before the mirror: one and a half times the median time recent lookups took to find their
/// first peer, between 100 and 500 ms; short when recent lookups mostly found nobody, so a node alone never makes apt wait.
/// </summary>
internal sealed class GraceEstimator
{
    private const int Window = 32;
    private static readonly TimeSpan Default = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromMilliseconds(500);

    private readonly Queue<TimeSpan?> _recent = new();
    private readonly Lock _lock = new();

    public TimeSpan Current
    {
        get
        {
            lock (_lock)
            {
                var found = _recent.Where(t => t is not null).Select(t => t!.Value).Order().ToList();
                if (_recent.Count >= 4 && found.Count * 4 < _recent.Count)
                    return Min;
                if (found.Count < 4)
                    return Default;
                var median = found[found.Count / 2];
                return TimeSpan.FromTicks(Math.Clamp((long)(median.Ticks * 1.5), Min.Ticks, Max.Ticks));
            }
        }
    }

    public void Record(TimeSpan firstPeerAfter) => Add(firstPeerAfter);

    public void RecordNone() => Add(null);

    private void Add(TimeSpan? sample)
    {
        lock (_lock)
        {
            _recent.Enqueue(sample);
            while (_recent.Count > Window)
                _recent.Dequeue();
        }
    }
}
