namespace AptP2P.Engine.Dht.Queries;

/// <summary>
/// Round-trip times as TCP keeps them (RFC 6298: smoothed mean and mean deviation), plus a bounded ring of recent samples
/// for the statistics. The "slow" threshold is mean + 4 deviations, so a lookup stops waiting for a node long before the
/// hard timeout while almost never giving up on one that was merely average.
/// </summary>
public sealed class RttEstimator(TimeSpan floor, TimeSpan ceiling)
{
    private readonly long[] _samples = new long[1024];
    private long _count;
    private double _srtt;
    private double _rttvar;

    public long SampleCount => _count;

    public void Add(TimeSpan rtt)
    {
        var ticks = (double)rtt.Ticks;
        if (_count == 0)
        {
            _srtt = ticks;
            _rttvar = ticks / 2;
        }
        else
        {
            _rttvar = 0.75 * _rttvar + 0.25 * Math.Abs(_srtt - ticks);
            _srtt = 0.875 * _srtt + 0.125 * ticks;
        }
        _samples[_count % _samples.Length] = rtt.Ticks;
        _count++;
    }

    /// <summary>When a query with no better knowledge counts as slow.</summary>
    public TimeSpan SlowAfter => _count == 0 ? ceiling / 2 : Clamp(TimeSpan.FromTicks((long)(_srtt + 4 * _rttvar)));

    /// <summary>Slow threshold for a node whose own smoothed RTT is known.</summary>
    public TimeSpan SlowAfterFor(TimeSpan nodeRtt) =>
        nodeRtt <= TimeSpan.Zero ? SlowAfter : Clamp(TimeSpan.FromTicks(Math.Max(nodeRtt.Ticks * 3, (long)(_srtt + 2 * _rttvar))));

    private TimeSpan Clamp(TimeSpan value) => value < floor ? floor : value > ceiling ? ceiling : value;

    /// <summary>Percentiles of the recent samples, in milliseconds.</summary>
    public RttStatistics Snapshot()
    {
        var n = (int)Math.Min(_count, _samples.Length);
        if (n == 0)
            return new RttStatistics(0, 0, 0, 0, 0);
        var sorted = _samples.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        double Ms(double q) => TimeSpan.FromTicks(sorted[Math.Min(n - 1, (int)(q * n))]).TotalMilliseconds;
        return new RttStatistics(_count, Ms(0.5), Ms(0.9), Ms(0.99), TimeSpan.FromTicks((long)_srtt).TotalMilliseconds);
    }
}

/// <summary>Round-trip times of our queries: samples seen, percentiles of the recent ones and the smoothed mean, in ms.</summary>
public sealed record RttStatistics(long Samples, double MedianMs, double P90Ms, double P99Ms, double SmoothedMs);
