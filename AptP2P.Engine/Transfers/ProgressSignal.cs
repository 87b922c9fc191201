namespace AptP2P.Engine.Transfers;

/// <summary>
/// Wakes every waiter when a transfer makes progress. Take <see cref="WaitAsync"/> before checking the condition you wait for,
/// so a notification between the check and the wait is never lost.
/// </summary>
internal sealed class ProgressSignal
{
    private TaskCompletionSource _next = NewSource();

    public Task WaitAsync(CancellationToken cancellationToken) => Next.WaitAsync(cancellationToken);

    /// <summary>
    /// The next notification, without a cancellation registration: for waiters that something else wakes on cancellation
    /// (a registration per wait on a long-lived token would outlive waits that are never woken).
    /// </summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
