using AptP2P.Engine.Stats;
using Bunit;
using static AptP2P.Tests.Dashboard.SampleStatistics;
using TransfersView = AptP2P.Web.Dashboard.Pages.Transfers;

namespace AptP2P.Tests.Dashboard;

public sealed class TransfersPageTests : DashboardTestContext
{
    [Fact]
    public void Lists_running_transfers_with_progress_speed_and_sources()
    {
        var sources = new Dictionary<string, long> { [TransferStatus.MirrorSource] = 6 * MiB, ["192.0.2.10:9977"] = 2 * MiB, ["192.0.2.11:9977"] = 2 * MiB };
        Feed.Publish(Node(active: [Transfer("hello_2.10-3_amd64.deb", 10 * MiB, 40 * MiB, bytesPerSecond: 3 * MiB, sources: sources)]));

        var cut = Render<TransfersView>();

        var row = cut.Find("[data-testid=active-transfers] tbody tr");
        Assert.Contains("hello_2.10-3_amd64.deb", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("25 % · 10 MiB of 40 MiB", row.QuerySelector("[data-testid=transfer-progress]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("3 MiB/s", row.QuerySelector("[data-testid=transfer-speed]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("2 peers and the mirror", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("192.0.2.10:9977", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("downloading", row.QuerySelector("[data-testid=transfer-state]")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(row.QuerySelector(".mud-progress-linear"));
    }

    [Fact]
    public void Progress_moves_as_the_transfer_advances()
    {
        Feed.Publish(Node(active: [Transfer("big.deb", MiB, 4 * MiB)]));
        var cut = Render<TransfersView>();
        cut.WaitForAssertion(() => Assert.Equal(1, Feed.WatcherCount));

        Feed.Publish(Node(active: [Transfer("big.deb", 3 * MiB, 4 * MiB)]));

        cut.WaitForAssertion(() => Assert.Contains("75 %", cut.Find("[data-testid=transfer-progress]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Lists_finished_transfers_with_duration_and_failure_reason()
    {
        var ended = Start.AddSeconds(12);
        Feed.Publish(Node(recent:
        [
            Transfer("done.deb", 8 * MiB, 8 * MiB, TransferState.Stored, bytesPerSecond: 700_000, ended: ended),
            Transfer("bad.deb", MiB, 8 * MiB, TransferState.HashMismatch, ended: ended, failure: "SHA-256 mismatch"),
        ]));

        var cut = Render<TransfersView>();

        var rows = cut.FindAll("[data-testid=recent-transfers] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("stored", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("12 s", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("mirror only", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("hash mismatch", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("SHA-256 mismatch", rows[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_so_when_nothing_is_moving()
    {
        var cut = Render<TransfersView>();

        Assert.Contains("Nothing is being downloaded", cut.Find("[data-testid=active-transfers]").TextContent, StringComparison.Ordinal);
    }
}
