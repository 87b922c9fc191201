using AptP2P.Engine;
using AptP2P.Engine.Dht;
using AptP2P.Web.Dashboard.Components;
using Bunit;
using static AptP2P.Tests.Dashboard.SampleStatistics;
using DhtView = AptP2P.Web.Dashboard.Pages.Dht;

namespace AptP2P.Tests.Dashboard;

public sealed class DhtPageTests : DashboardTestContext
{
    [Fact]
    public async Task Shows_our_id_address_rates_buckets_rtt_and_storage()
    {
        Feed.Publish(Node(dht: DhtNode(nodes: 16, externalAddress: "203.0.113.7")));

        var cut = Render<DhtView>();
        await ReportElementSizesAsync();

        Assert.Equal("0123456789abcdef0123456789abcdef01234567", cut.Find("[data-testid=dht-node-id]").TextContent);
        Assert.Contains("203.0.113.7", cut.Find("[data-testid=dht-external-address]").TextContent, StringComparison.Ordinal);
        Assert.Contains("1.5/s", cut.Find("[data-testid=dht-rates]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2 in · 6 out /s", cut.Find("[data-testid=dht-queries]").TextContent, StringComparison.Ordinal);
        var buckets = cut.Find("[data-testid=dht-buckets]");
        Assert.Contains("16 nodes in 3 buckets", buckets.TextContent, StringComparison.Ordinal);
        Assert.Equal(9, buckets.QuerySelectorAll("svg .mud-chart-bar").Length); // good, other and replacements for each of 3 buckets
        Assert.Contains("median 24 ms · p90 80 ms", cut.Find("[data-testid=dht-rtt]").TextContent, StringComparison.Ordinal);
        Assert.Contains("17 keys · 4 items", cut.Find("[data-testid=dht-storage]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_the_ipv4_and_the_ipv6_dht_side_by_side_or_says_why_there_is_one()
    {
        var dual = DhtNode(nodes: 16);
        var v6 = DhtNode(nodes: 5, externalAddress: "2001:db8::7").Node with { Family = "ipv6", NodeId = "fedcba9876543210fedcba9876543210fedcba98", MalformedEntries = 3 };
        Feed.Publish(Node(dht: dual with { Node = dual.Node with { Ipv6 = v6 } }));

        var cut = Render<DhtView>();

        var ipv6 = cut.Find("[data-testid=dht-family-ipv6]").TextContent;
        Assert.Contains("fedcba987654", ipv6, StringComparison.Ordinal);
        Assert.Contains("2001:db8::7", ipv6, StringComparison.Ordinal);
        Assert.Contains("5 nodes", ipv6, StringComparison.Ordinal);
        Assert.Contains("16 nodes", cut.Find("[data-testid=dht-family-ipv4]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=dht-one-family]"));

        Feed.Publish(Node(dht: DhtNode(nodes: 16)));
        var single = Render<DhtView>();
        Assert.Contains("over IPv4 only", single.Find("[data-testid=dht-one-family]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_when_the_dht_is_not_running()
    {
        var cut = Render<DhtView>();

        Assert.Contains("The DHT node is not running (yet)", cut.Find("[data-testid=dht-not-running]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=dht-node-id]"));
    }

    [Fact]
    public void Looks_up_the_peers_of_a_cached_file_by_its_name()
    {
        var file = Catalog.Add("hello_2.10-3_amd64.deb", 50_000);
        var key = InfoHash.FromFile(ContentHash.Parse(file.Sha256));
        Dht.Peers[key] = [Endpoint("192.0.2.1:9977"), Endpoint("192.0.2.2:9977")];

        var cut = Render<PeerLookup>();
        cut.Find("input").Input("hello_2.10");
        cut.Find("[data-testid=lookup-button]").Click();

        cut.WaitForAssertion(() =>
        {
            var peers = cut.Find("[data-testid=lookup-peers]").TextContent;
            Assert.Contains("192.0.2.1:9977", peers, StringComparison.Ordinal);
            Assert.Contains("192.0.2.2:9977", peers, StringComparison.Ordinal);
        });
        Assert.Equal([key], Dht.LookedUp);
        Assert.Contains("2 peers", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Looks_up_a_mirror_path_known_from_the_archive_indexes()
    {
        var resolver = new PeerLookupKeyResolver(Index, Catalog);
        var hash = ContentHash.Compute("figlet"u8);
        Index.Add("deb.debian.org", "debian/pool/main/f/figlet/figlet_2.2.5-3_amd64.deb", hash, 123);

        var key = resolver.Resolve("deb.debian.org/debian/pool/main/f/figlet/figlet_2.2.5-3_amd64.deb", out var problem);

        Assert.Null(problem);
        Assert.Equal(InfoHash.FromFile(hash), key!.Key);
    }

    [Fact]
    public void Explains_what_to_type_when_nothing_matches()
    {
        var cut = Render<PeerLookup>();
        cut.Find("input").Input("no-such-package");
        cut.Find("[data-testid=lookup-button]").Click();

        Assert.Contains("No file known by", cut.Find("[data-testid=lookup-problem]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Dht.LookedUp);
    }
}
