namespace AptP2P.Bench.Dht;

/// <summary>Keeps every continuation of the simulation on the benchmark's one thread, run between clock events.</summary>
internal sealed class BenchContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Lock _gate = new();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
            _queue.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

    public override SynchronizationContext CreateCopy() => this;

    public void Drain()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) item;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out item))
                    return;
            }
            item.Callback(item.State);
        }
    }
}
