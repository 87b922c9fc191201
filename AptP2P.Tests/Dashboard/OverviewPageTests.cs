using AptP2P.Engine.Dht;
using AptP2P.Engine.Stats;
using AptP2P.Web.Dashboard.Pages;
using Bunit;
using static AptP2P.Tests.Dashboard.SampleStatistics;

namespace AptP2P.Tests.Dashboard;

public sealed class OverviewPageTests : DashboardTestContext
{
    [Fact]
    public void Shows_bytes_by_source_today_and_since_start_with_the_share_saved_by_peers()
    {
        Feed.Publish(Node(
            total: Traffic(peers: 300 * MiB, mirror: 100 * MiB, cache: 50 * MiB, uploaded: 20 * MiB, hits: 3, misses: 1, lanPeers: 200 * MiB),
            today: Traffic(peers: 30 * MiB, mirror: 10 * MiB, cache: 5 * MiB, uploaded: 2 * MiB)));

        var cut = Render<Overview>();

        var peers = cut.Find("[data-testid=from-peers]").TextContent;
        Assert.Contains("30 MiB today", peers, StringComparison.Ordinal);
        Assert.Contains("since start 200 MiB from the LAN, 100 MiB from the internet", peers, StringComparison.Ordinal);
        Assert.Contains("75 % saved by peers", peers, StringComparison.Ordinal);
        Assert.Contains("10 MiB today", cut.Find("[data-testid=from-mirror]").TextContent, StringComparison.Ordinal);
        Assert.Contains("50 MiB since start", cut.Find("[data-testid=from-cache]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2 MiB today", cut.Find("[data-testid=uploaded]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, true, false, 3, "3 LAN peers heard")]
    [InlineData(true, false, true, 1, "1 LAN peer heard · LAN only · closed swarm")]
    [InlineData(false, true, false, 0, "local discovery off")]
    public void Says_how_many_lan_peers_are_heard_and_in_which_mode(bool lan, bool publicDht, bool swarmKey, int peers, string expected)
    {
        Feed.Publish(Node() with { Lan = new LanSummary(lan, publicDht, swarmKey, peers) });

        var cut = Render<Overview>();

        var line = cut.Find("[data-testid=lan-peers-count]");
        Assert.Equal(expected, line.TextContent.Trim());
        Assert.Equal("peers", line.GetAttribute("href"));
    }

    [Fact]
    public void Shows_transfers_dht_reachability_cache_uptime_and_version()
    {
        Feed.Publish(Node(
            active: [Transfer("a.deb", 1, 10), Transfer("b.deb", 2, 10)],
            cache: new CacheSummary(12, 512 * MiB, 1024 * MiB, 9, 1, 3000),
            dht: DhtNode(nodes: 42, externalAddress: "203.0.113.7", queriesIn: 12),
            uptime: TimeSpan.FromHours(3) + TimeSpan.FromMinutes(4)));

        var cut = Render<Overview>();

        Assert.Contains("2", cut.Find("[data-testid=active-transfers] .stat-value").TextContent, StringComparison.Ordinal);
        Assert.Contains("42 nodes", cut.Find("[data-testid=dht]").TextContent, StringComparison.Ordinal);
        var reach = cut.Find("[data-testid=reachability]").TextContent;
        Assert.Contains("203.0.113.7", reach, StringComparison.Ordinal);
        Assert.Contains("reachable over IPv4: yes (a query from 198.51.100.9:6881, which we had not contacted)", reach, StringComparison.Ordinal);
        var cache = cut.Find("[data-testid=cache]").TextContent;
        Assert.Contains("512 MiB of 1 GiB", cache, StringComparison.Ordinal);
        Assert.Contains("hit ratio 90 %", cache, StringComparison.Ordinal);
        var node = cut.Find("[data-testid=node-info]").TextContent;
        Assert.Contains("0.1.0", node, StringComparison.Ordinal);
        Assert.Contains("up 3 h 4 min", node, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_when_the_dht_is_not_running()
    {
        var cut = Render<Overview>();

        Assert.Contains("not running", cut.Find("[data-testid=dht]").TextContent, StringComparison.Ordinal);
        Assert.Contains("unknown", cut.Find("[data-testid=reachability]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Updates_when_the_statistics_change()
    {
        var cut = Render<Overview>();
        cut.WaitForAssertion(() => Assert.Equal(1, Feed.WatcherCount));

        Feed.Publish(Node(total: Traffic(peers: 7 * MiB), today: Traffic(peers: 7 * MiB)));

        cut.WaitForAssertion(() => Assert.Contains("7 MiB today", cut.Find("[data-testid=from-peers]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stops_watching_when_disposed()
    {
        var cut = Render<Overview>();
        cut.WaitForAssertion(() => Assert.Equal(1, Feed.WatcherCount));

        await DisposeComponentsAsync();

        Assert.Equal(0, Feed.WatcherCount);
    }

    [Fact]
    public async Task Draws_the_throughput_history()
    {
        Feed.History = [.. Enumerable.Range(0, 60).Select(i => new ThroughputSample(Start.AddSeconds(i), 2 * MiB, MiB, 0, MiB / 2))];
        Feed.Publish(Node());

        var cut = Render<Overview>();
        await ReportElementSizesAsync();

        var chart = cut.Find("[data-testid=throughput-chart]");
        Assert.Contains("Throughput, last 1 min", chart.TextContent, StringComparison.Ordinal);
        Assert.Contains("peers 2 MiB/s", chart.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(chart.QuerySelectorAll("svg path"));
    }

    [Fact]
    public void Counts_the_nodes_of_both_dhts()
    {
        var dual = DhtNode(nodes: 42);
        Feed.Publish(Node(dht: dual with { Node = dual.Node with { Ipv6 = DhtNode(nodes: 8).Node with { Family = "ipv6" } } }));

        var cut = Render<Overview>();

        Assert.Contains("50 nodes (42 IPv4 · 8 IPv6)", cut.Find("[data-testid=dht]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_per_family_whether_others_reach_us_and_that_an_unreachable_family_is_read_only()
    {
        var dual = DhtNode(nodes: 42);
        var v6 = dual.Node with
        {
            Family = "ipv6",
            Reachability = new ReachabilityStatus(ReachabilityState.Unreachable, "no node has reached us unasked since we joined, 6 min ago", Start, ReadOnly: true, 0),
        };
        Feed.Publish(Node(dht: dual with { Node = dual.Node with { Ipv6 = v6 } }));

        var cut = Render<Overview>();

        var reach = cut.Find("[data-testid=reachability]").TextContent;
        Assert.Contains("reachable over IPv4: yes", reach, StringComparison.Ordinal);
        Assert.Contains("reachable over IPv6: no (no node has reached us unasked since we joined, 6 min ago); read-only, announces nothing over IPv6", reach, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_what_port_mapping_did()
    {
        Assert.Contains("port mapping off", Render<Overview>().Find("[data-testid=port-mapping]").TextContent, StringComparison.Ordinal);

        Mapping.Current = new AptP2P.Engine.PortMapping.PortMappingStatus(true, "PCP", "192.168.1.1", "203.0.113.9", 19977, 9977, Start.AddHours(2), Start, null);
        Assert.Equal("port 19977/tcp and 9977/udp mapped by PCP on 192.168.1.1, external 203.0.113.9",
            Render<Overview>().Find("[data-testid=port-mapping]").TextContent.Trim());

        Mapping.Current = new AptP2P.Engine.PortMapping.PortMappingStatus(true, null, "192.168.1.1", null, null, null, null, Start, "no gateway answered PCP, NAT-PMP or UPnP within 10 s");
        Assert.Contains("port mapping: no gateway answered", Render<Overview>().Find("[data-testid=port-mapping]").TextContent, StringComparison.Ordinal);
    }
}
