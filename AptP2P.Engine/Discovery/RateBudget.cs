namespace AptP2P.Engine.Discovery;

/// <summary>A token bucket: at most <c>burst</c> at once, refilled at <c>perMinute</c>. Not thread-safe: callers hold their lock.</summary>
internal sealed class RateBudget
{
    private readonly TimeProvider _time;
    private readonly double _perMinute;
    private readonly double _burst;
    private double _tokens;
    private long _stamp;

    public RateBudget(TimeProvider time, double perMinute, double burst)
    {
        _time = time;
        _perMinute = perMinute;
        _burst = burst;
        _tokens = burst;
        _stamp = time.GetTimestamp();
    }

    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_stamp, now).TotalMinutes * _perMinute));
        _stamp = now;
        if (_tokens < 1)
            return false;
        _tokens--;
        return true;
    }
}
