using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;

namespace AptP2P.Tests.Dashboard;

public sealed class StatisticsServiceTests : IAsyncLifetime
{
    private readonly EngineServices _engine = new();
    private StatisticsService Service => _engine.Get<StatisticsService>();
    private TrafficStatistics Traffic => _engine.Get<TrafficStatistics>();

    public async ValueTask InitializeAsync() => await Service.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        await _engine.DisposeAsync();
    }

    [Fact]
    public void Counts_traffic_since_start_and_today()
    {
        Traffic.AddPeerBytes(3000);
        Traffic.AddMirrorBytes(1000);
        Traffic.CacheHit();

        _engine.Time.Advance(StatisticsService.PublishInterval);

        var statistics = Service.Current;
        Assert.Equal((3000, 1000, 1), (statistics.Total.BytesFromPeers, statistics.Total.BytesFromMirror, statistics.Total.CacheHits));
        Assert.Equal(3000, statistics.Today.BytesFromPeers);
        Assert.Equal(0.75, statistics.Total.PeerShare);
        Assert.Equal(1, statistics.Cache.Hits);
    }

    [Fact]
    public void Counts_lan_peers_and_marks_a_peer_heard_on_the_lan_or_at_a_lan_address_as_such()
    {
        // 203.0.113.9 is a public address heard by local discovery (a global IPv6 or IPv4 LAN): LAN because it was heard.
        _engine.Get<AptP2P.Engine.Discovery.LanDirectory>().Heard(AptP2P.Engine.Dht.NodeId.Random(), IPEndPoint.Parse("203.0.113.9:9977"), 100);
        var board = _engine.Get<AptP2P.Engine.Peers.PeerScoreBoard>();
        foreach (var peer in new[] { "203.0.113.9:9977", "192.168.1.7:9977", "198.51.100.4:9977" })
            board.RecordDownload(IPEndPoint.Parse(peer), 1000, TimeSpan.FromMilliseconds(10));
        Traffic.AddPeerBytes(3000, fromLan: true);
        Traffic.AddPeerBytes(1000, fromLan: false);

        _engine.Time.Advance(StatisticsService.PublishInterval);

        var statistics = Service.Current;
        Assert.Equal(new LanSummary(Discovery: true, PublicDht: true, SwarmKey: false, Peers: 1), statistics.Lan);
        var lan = statistics.Peers.ToDictionary(p => p.Endpoint, p => p.Lan);
        Assert.True(lan["203.0.113.9:9977"]);
        Assert.True(lan["192.168.1.7:9977"]);
        Assert.False(lan["198.51.100.4:9977"]);
        Assert.Equal((4000, 3000, 1000), (statistics.Total.BytesFromPeers, statistics.Total.BytesFromLanPeers, statistics.Total.BytesFromInternetPeers));
    }

    [Fact]
    public void Samples_throughput_once_a_second_into_a_bounded_history()
    {
        for (var second = 0; second < 3; second++)
        {
            Traffic.AddPeerBytes(2048);
            Traffic.AddUploadedBytes(512);
            _engine.Time.Advance(StatisticsService.SampleInterval);
        }

        var history = Service.History;
        Assert.Equal(4, history.Count); // the first sample at start, then one a second
        Assert.Equal(2048, history[^1].FromPeers, precision: 6);
        Assert.Equal(512, history[^1].Uploaded, precision: 6);
        Assert.Equal(history[^1], Service.Current.Throughput);
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.At < p.Second.At), "oldest first");
    }

    [Fact]
    public async Task Watchers_get_the_current_snapshot_then_every_change()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = Service.WatchAsync(cancellation.Token).GetAsyncEnumerator(cancellation.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Same(Service.Current, watch.Current);
        Assert.Equal(1, Service.WatcherCount);

        Traffic.AddMirrorBytes(100);
        _engine.Time.Advance(StatisticsService.PublishInterval);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(100, watch.Current.Total.BytesFromMirror);
    }

    [Fact]
    public void Publishes_when_something_changed_or_a_second_passed_not_on_every_tick()
    {
        _engine.Time.Advance(StatisticsService.SampleInterval);
        var published = Service.Current;

        _engine.Time.Advance(StatisticsService.PublishInterval);
        Assert.Same(published, Service.Current);

        Traffic.AddCacheBytes(10);
        _engine.Time.Advance(StatisticsService.PublishInterval);
        Assert.NotSame(published, Service.Current);
    }

    [Fact]
    public void Summarises_the_cache_against_its_limit()
    {
        _engine.AddCachedFile("deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb", 4096);

        _engine.Time.Advance(StatisticsService.PublishInterval);

        var cache = Service.Current.Cache;
        Assert.Equal((1, 4096L, 1L << 30), (cache.Files, cache.TotalSize, cache.SizeLimit));
    }

    [Fact]
    public async Task A_failed_transfer_is_listed_among_the_recent_ones_with_its_reason()
    {
        var coordinator = _engine.Get<TransferCoordinator>();
        var transfer = coordinator.GetOrStartRevalidation(new MirrorUrl("127.0.0.1", ClosedPort(), "debian/dists/stable/InRelease"), null);
        await transfer.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        // The coordinator moves a transfer to Recent just after completing it: poll, with a deadline.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (coordinator.Recent.Count == 0)
            await Task.Delay(10, deadline.Token);

        Service.Sample();

        var recent = Assert.Single(Service.Current.Recent);
        Assert.Equal("InRelease", recent.FileName);
        Assert.Equal(TransferState.Failed, recent.State);
        Assert.False(string.IsNullOrEmpty(recent.FailureReason));
        Assert.Empty(Service.Current.Active);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
