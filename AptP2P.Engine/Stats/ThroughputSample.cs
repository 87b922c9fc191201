namespace AptP2P.Engine.Stats;

/// <summary>Bytes per second over one sampling interval, by direction and source.</summary>
public sealed record ThroughputSample(DateTimeOffset At, double FromPeers, double FromMirror, double FromCache, double Uploaded)
{
    public static ThroughputSample Idle(DateTimeOffset at) => new(at, 0, 0, 0, 0);

    /// <summary>The rates between two counter snapshots taken <paramref name="elapsed"/> apart.</summary>
    public static ThroughputSample Between(TrafficSnapshot earlier, TrafficSnapshot later, DateTimeOffset at, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        if (seconds <= 0)
            return Idle(at);
        return new ThroughputSample(at,
            Math.Max(0, later.BytesFromPeers - earlier.BytesFromPeers) / seconds,
            Math.Max(0, later.BytesFromMirror - earlier.BytesFromMirror) / seconds,
            Math.Max(0, later.BytesFromCache - earlier.BytesFromCache) / seconds,
            Math.Max(0, later.BytesUploaded - earlier.BytesUploaded) / seconds);
    }
}

/// <summary>The last <see cref="Capacity"/> throughput samples, oldest first; memory stays bounded however long the node runs.</summary>
public sealed class ThroughputHistory(int capacity = ThroughputHistory.DefaultCapacity)
{
    /// <summary>Ten minutes at one sample per second.</summary>
    public const int DefaultCapacity = 600;

    private readonly ThroughputSample[] _ring = new ThroughputSample[capacity];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;
    private IReadOnlyList<ThroughputSample> _snapshot = [];

    public int Capacity => _ring.Length;

    public void Add(ThroughputSample sample)
    {
        lock (_lock)
        {
            _ring[_next] = sample;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
            _snapshot = Copy();
        }
    }

    /// <summary>The samples, oldest first; the same list instance until the next <see cref="Add"/>.</summary>
    public IReadOnlyList<ThroughputSample> Snapshot()
    {
        lock (_lock)
            return _snapshot;
    }

    private ThroughputSample[] Copy()
    {
        var copy = new ThroughputSample[_count];
        var start = (_next - _count + _ring.Length) % _ring.Length;
        for (var i = 0; i < _count; i++)
            copy[i] = _ring[(start + i) % _ring.Length];
        return copy;
    }
}
