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
}
