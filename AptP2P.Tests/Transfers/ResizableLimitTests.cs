using AptP2P.Engine.Transfers.Swarm;

namespace AptP2P.Tests.Transfers;

public sealed class ResizableLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Holders_beyond_the_limit_wait_and_a_released_slot_goes_to_the_next()
    {
        var limit = new ResizableLimit(() => 2);
        await limit.WaitAsync(Ct);
        await limit.WaitAsync(Ct);
        var third = limit.WaitAsync(Ct);

        Assert.False(third.IsCompleted);
        limit.Release();
        await third.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task A_raised_limit_applies_to_the_next_entry_and_a_cancelled_waiter_loses_no_slot()
    {
        var size = 1;
        var limit = new ResizableLimit(() => size);
        await limit.WaitAsync(Ct);
        using var cancel = new CancellationTokenSource();
        var cancelled = limit.WaitAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        size = 2;
        await limit.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        limit.Release();
        limit.Release();
        await limit.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await limit.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }
}
