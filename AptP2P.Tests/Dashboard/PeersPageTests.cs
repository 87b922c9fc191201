using Bunit;
using static AptP2P.Tests.Dashboard.SampleStatistics;
using PeersView = AptP2P.Web.Dashboard.Pages.Peers;

namespace AptP2P.Tests.Dashboard;

public sealed class PeersPageTests : DashboardTestContext
{
    [Fact]
    public void Lists_peers_with_score_bytes_each_way_last_contact_and_bans()
    {
        Feed.Publish(Node(peers: [Peer("192.0.2.10:9977", score: 0.91), Peer("192.0.2.66:9977", score: 0, bannedUntil: Start.AddMinutes(65))]));

        var cut = Render<PeersView>();

        var rows = cut.FindAll("[data-testid=peers] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("192.0.2.10:9977", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("0.91", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("10 MiB", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("2 MiB", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("5 min 0 s ago", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Null(rows[0].QuerySelector("[data-testid=peer-banned]"));
        Assert.Contains("banned for 1 h 0 min", rows[1].QuerySelector("[data-testid=peer-banned]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_new_peers_as_they_come()
    {
        var cut = Render<PeersView>();
        Assert.Contains("No peer has exchanged", cut.Markup, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal(1, Feed.WatcherCount));

        Feed.Publish(Node(peers: [Peer("198.51.100.4:9977")]));

        cut.WaitForAssertion(() => Assert.Equal("198.51.100.4:9977", cut.Find("[data-testid=peer-endpoint]").TextContent));
    }

    [Fact]
    public void Marks_each_peer_as_on_the_lan_or_on_the_internet_and_splits_the_bytes()
    {
        Feed.Publish(Node(total: Traffic(peers: 30 * MiB, lanPeers: 20 * MiB),
            peers: [Peer("192.168.1.7:9977", lan: true), Peer("198.51.100.4:9977")]));

        var cut = Render<PeersView>();

        var where = cut.FindAll("[data-testid=peer-where]").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["LAN", "internet"], where);
        Assert.Contains("30 MiB received (20 MiB from the LAN, 10 MiB from the internet)", Normalise(cut.Find("[data-testid=peers]").TextContent), StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_local_discovery_its_modes_interfaces_counters_and_lan_peers()
    {
        Lan.Current = LanStatus(publicDht: false, swarmKey: true);

        var cut = Render<PeersView>();

        var panel = cut.Find("[data-testid=local-network]");
        Assert.Equal("discovery on", panel.QuerySelector("[data-testid=mode-lan]")!.TextContent.Trim());
        Assert.Equal("LAN only: public DHT off", panel.QuerySelector("[data-testid=mode-public-dht]")!.TextContent.Trim());
        Assert.Equal("closed swarm (key set)", panel.QuerySelector("[data-testid=mode-swarm]")!.TextContent.Trim());
        var where = cut.Find("[data-testid=local-network-where]").TextContent;
        Assert.Contains("UDP 6771 on eth0 (192.168.1.5)", where, StringComparison.Ordinal);
        Assert.Contains("239.192.152.143:6771, [ff15::efc0:988f]:6771", where, StringComparison.Ordinal);
        // The page's clock is the statistics' (Start + 5 min); the counters' moments are 30 s and 2 s before Start.
        Assert.Contains("last hello sent 5 min 30 s ago · last heard 5 min 2 s ago", cut.Find("[data-testid=local-network-last]").TextContent, StringComparison.Ordinal);
        var counters = Normalise(cut.Find("[data-testid=local-network-counters]").TextContent);
        Assert.Contains("40 sent (6 replies) · 95 received: 80 accepted, 7 of another swarm, 2 malformed, 1 of an unknown version, 5 over the rate cap", counters, StringComparison.Ordinal);
        Assert.Contains("12 DHT datagrams to the internet held back", counters, StringComparison.Ordinal);
        Assert.Equal(["192.168.1.7:9977", "192.168.1.9:9977"], cut.FindAll("[data-testid=lan-peer]").Select(e => e.TextContent));
    }

    [Fact]
    public void Says_when_local_discovery_is_off_or_has_heard_nobody_and_follows_changes()
    {
        Lan.Current = LanStatus(lan: false);
        var cut = Render<PeersView>();
        Assert.Contains("Local discovery is off", cut.Find("[data-testid=local-network-off]").TextContent, StringComparison.Ordinal);
        Assert.Equal("discovery off", cut.Find("[data-testid=mode-lan]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=lan-peers]"));
        cut.WaitForAssertion(() => Assert.Equal(1, Feed.WatcherCount));

        Lan.Current = LanStatus(peers: []);
        Feed.Publish(Node());

        cut.WaitForAssertion(() => Assert.Contains("No other node heard", cut.Find("[data-testid=lan-peers-none]").TextContent, StringComparison.Ordinal));
        Assert.Contains("eth0", cut.Find("[data-testid=local-network-where]").TextContent, StringComparison.Ordinal);
    }

    private static string Normalise(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
