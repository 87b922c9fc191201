using System.Net;
using AptP2P.Engine.Dht;

namespace AptP2P.Tests.Dht;

/// <summary>With no router reachable the node keeps running and retries with back-off; once one answers it joins.</summary>
public sealed class BootstrapTests
{
    [Fact]
    public async Task Bootstrap_backs_off_while_nobody_answers_and_joins_when_a_router_appears()
    {
        await using var sim = new SimulatedDht(31, () => new DhtOptions { MaxBootstrapBackoffSeconds = 16 });
        var router = sim.AddNode(IPAddress.Parse("10.20.0.1"));
        var other = sim.AddNode(IPAddress.Parse("10.20.0.2"));
        sim.Await(other.BootstrapAsync([router.LocalEndPoint], TestContext.Current.CancellationToken));
        sim.Network.SetDead(router.LocalEndPoint, true);

        var node = sim.AddNode(IPAddress.Parse("10.20.0.3"));
        var attempts = new List<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var loop = node.RunBootstrapAsync(_ =>
        {
            attempts.Add(sim.Time.GetUtcNow());
            return Task.FromResult<IReadOnlyList<IPEndPoint>>([router.LocalEndPoint]);
        }, stop.Token);

        sim.Wait(TimeSpan.FromSeconds(70));
        Assert.False(loop.IsCompleted);
        Assert.False(node.IsBootstrapped);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.True(gaps.Count >= 4, $"{attempts.Count} attempts");
        // Each wait is the query timeout plus a back-off that doubles up to the configured 16 s.
        for (var i = 1; i < Math.Min(gaps.Count, 4); i++)
            Assert.True(gaps[i] > gaps[i - 1], $"gaps {string.Join(", ", gaps)}");
        Assert.True(gaps[^1] <= 16 + 2 + 1, $"gaps {string.Join(", ", gaps)}");

        sim.Network.SetDead(router.LocalEndPoint, false);
        sim.Run(() => node.IsBootstrapped, TimeSpan.FromSeconds(30));
        Assert.True(node.GetStatistics().RoutingTableSize >= 2);
        // Synchronously: an awaited CancelAsync would resume on the simulation context, which only runs between clock steps.
        stop.Cancel();
        sim.Run(() => loop.IsCompleted, TimeSpan.FromSeconds(5));
    }
}
