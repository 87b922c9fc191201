namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>A counting limit whose size is read at every entry, so a changed setting applies at once.</summary>
internal sealed class ResizableLimit(Func<int> limit)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private int _inUse;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_inUse < Math.Max(1, limit()))
            {
                _inUse++;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
        }
        return WaitForTurnAsync(waiter, cancellationToken);
    }

    private static async Task WaitForTurnAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        // A cancelled waiter is skipped by Release (TrySetResult fails on it), so no slot is lost either way.
        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            await waiter.Task;
    }

    public void Release()
    {
        lock (_lock)
            ReleaseLocked();
    }

    private void ReleaseLocked()
    {
        while (_waiting.Count > 0 && _inUse <= Math.Max(1, limit()))
        {
            var next = _waiting.Dequeue();
            if (next.TrySetResult())
                return; // the slot moves to the waiter: _inUse unchanged
        }
        _inUse--;
    }
}
