using AptP2P.Engine.Stats;
using Microsoft.Extensions.Time.Testing;
using static AptP2P.Tests.Dashboard.SampleStatistics;

namespace AptP2P.Tests.Dashboard;

public sealed class StatisticsPartsTests
{
    [Fact]
    public void Throughput_history_keeps_the_newest_samples_oldest_first()
    {
        var history = new ThroughputHistory(capacity: 3);
        for (var i = 0; i < 5; i++)
            history.Add(new ThroughputSample(Start.AddSeconds(i), i, 0, 0, 0));

        Assert.Equal([2.0, 3.0, 4.0], history.Snapshot().Select(s => s.FromPeers));
    }

    [Fact]
    public void Today_starts_again_at_local_midnight_and_yesterday_is_kept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 23, 59, 0, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        var days = new DailyTraffic(time);

        Assert.Equal(100, days.Today(Traffic(peers: 100)).BytesFromPeers);
        time.Advance(TimeSpan.FromMinutes(2));
        var today = days.Today(Traffic(peers: 250));

        Assert.Equal(0, today.BytesFromPeers);
        Assert.Equal(50, days.Today(Traffic(peers: 300)).BytesFromPeers);
        var (day, traffic) = Assert.Single(days.PreviousDays());
        Assert.Equal((new DateOnly(2026, 11, 24), 250L), (day, traffic.BytesFromPeers));
    }

    [Fact]
    public async Task A_slow_watcher_skips_to_the_newest_value()
    {
        var broadcast = new LatestValueBroadcast<string>("first");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = broadcast.WatchAsync(cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        Assert.True(await watch.MoveNextAsync());

        broadcast.Publish("second");
        broadcast.Publish("third");

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("third", watch.Current);
    }

    [Fact]
    public async Task A_watcher_leaves_when_its_enumeration_ends()
    {
        var broadcast = new LatestValueBroadcast<string>("first");
        using (var cancellation = new CancellationTokenSource())
        {
            await using var watch = broadcast.WatchAsync(cancellation.Token).GetAsyncEnumerator(cancellation.Token);
            Assert.True(await watch.MoveNextAsync());
            Assert.Equal(1, broadcast.WatcherCount);
        }

        Assert.Equal(0, broadcast.WatcherCount);
    }
}
