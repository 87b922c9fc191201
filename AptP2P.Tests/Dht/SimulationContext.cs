using System.Collections.Concurrent;

namespace AptP2P.Tests.Dht;

/// <summary>
/// Runs every continuation of the simulation on the test thread, between clock steps. Without it, async continuations would
/// run on pool threads while the test thread keeps advancing the fake clock, and simulated time would race ahead of them.
/// </summary>
internal sealed class SimulationContext : SynchronizationContext
{
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("The simulation only posts.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs queued continuations until none is left; true when any ran.</summary>
    public bool Drain()
    {
        var ran = false;
        while (_queue.TryDequeue(out var item))
        {
            item.Callback(item.State);
            ran = true;
        }
        return ran;
    }
}
