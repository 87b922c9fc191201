namespace AptP2P.Engine.Transfers.Bodies;

/// <summary>
/// A cancellation source that fires when a body has been silent for the activity timeout, re-armed on every bit of progress,
/// or when the caller's token is cancelled. One instance serves many reads and, through <see cref="BodyReader"/>'s pool,
/// many bodies: a linked source per read would cost an allocation and a timer each time.
/// </summary>
internal sealed class ActivityTimeout : IDisposable
{
    private static readonly Action<object?> CancelByCaller = static state =>
    {
        var timeout = (ActivityTimeout)state!;
        timeout._cancelledByCaller = true;
        timeout._source.Cancel(throwOnFirstException: false);
    };

    private readonly CancellationTokenSource _source;
    private CancellationTokenRegistration _caller;
    private TimeSpan _timeout;
    private volatile bool _cancelledByCaller;

    /// <param name="time">The clock the timeout runs on; the source's timer comes from it.</param>
    public ActivityTimeout(TimeProvider time) => _source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);

    public CancellationToken Token => _source.Token;

    /// <summary>True when the source fired because the body went silent, not because the caller gave up.</summary>
    public bool TimedOut => _source.IsCancellationRequested && !_cancelledByCaller;

    /// <summary>Arms the timeout for one body, linked to the caller's token.</summary>
    public void Start(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _timeout = timeout;
        _cancelledByCaller = false;
        _caller = cancellationToken.UnsafeRegister(CancelByCaller, this);
        _source.CancelAfter(timeout);
    }

    /// <summary>The body made progress: the silence counts from now.</summary>
    public void Rearm() => _source.CancelAfter(_timeout);

    /// <summary>Unlinks from the caller; true when the source can serve another body (it never fired).</summary>
    public bool TryReset()
    {
        _caller.Dispose();
        _caller = default;
        return _source.TryReset();
    }

    public void Dispose()
    {
        _caller.Dispose();
        _source.Dispose();
    }
}
