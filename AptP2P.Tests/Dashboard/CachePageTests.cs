using AptP2P.Engine.Stats;
using Bunit;
using MudBlazor;
using static AptP2P.Tests.Dashboard.SampleStatistics;
using CacheView = AptP2P.Web.Dashboard.Pages.Cache;

namespace AptP2P.Tests.Dashboard;

public sealed class CachePageTests : DashboardTestContext
{
    [Fact]
    public void Shows_size_against_the_limit_hit_ratio_and_most_served_files()
    {
        Catalog.Add("hello_2.10-3_amd64.deb", 50_000, hits: 7);
        Catalog.Add("tree_2.1.0-1_amd64.deb", 40_000, hits: 2);
        Feed.Publish(Node(cache: new CacheSummary(2, 256 * MiB, 1024 * MiB, 3, 1, 100)));

        var cut = Render<CacheView>();

        Assert.Contains("of 1 GiB (25 %)", cut.Find("[data-testid=cache-size]").TextContent, StringComparison.Ordinal);
        Assert.Contains("75 %", cut.Find("[data-testid=cache-hit-ratio]").TextContent, StringComparison.Ordinal);
        var top = cut.Find("[data-testid=most-served]").TextContent;
        Assert.True(top.IndexOf("hello_2.10-3_amd64.deb", StringComparison.Ordinal) < top.IndexOf("tree_2.1.0-1_amd64.deb", StringComparison.Ordinal));
        Assert.Equal(2, cut.FindAll("[data-testid=cached-file-name]").Count);
    }

    [Fact]
    public void Lists_archives_with_their_signature_and_says_what_to_do_about_those_not_verified()
    {
        var date = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        Archives.Archives.Add(new("deb.debian.org", "debian/dists/bookworm", "verified", "A5AF73C0FF749C131D0F8E55EEA9BDF7465B45A2", null, date, date, 63_000));
        Archives.Archives.Add(new("apt.example.org", "dists/stable", "unknown-key", null, "signed by key 95F5142FD9834EDD, which is in none of the 4 keyring file(s)", date, date, 120));
        Archives.Archives.Add(new("evil.example", "dists/stable", "bad", null, "the signature does not match the Release's content", date, date, 0));
        Feed.Publish(Node(cache: new CacheSummary(0, 0, 1024 * MiB, 63_120, 0, 0)));

        var cut = Render<CacheView>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=archive-row]").Count));
        Assert.Equal(["verified", "unknown-key", "bad"], cut.FindAll("[data-testid=archive-signature]").Select(c => c.TextContent.Trim()));
        var warnings = cut.FindAll("[data-testid=archive-warning]").Select(w => w.TextContent).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("/etc/apt/keyrings/", warnings[0], StringComparison.Ordinal);
        Assert.Contains("Nothing is learned from it", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Shows_each_archives_signing_key_fingerprint()
    {
        var date = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        Archives.Archives.Add(new("deb.debian.org", "debian/dists/bookworm", "verified", "A5AF73C0FF749C131D0F8E55EEA9BDF7465B45A2", null, date, date, 63_000));
        Archives.Archives.Add(new("apt.example.org", "dists/stable", "unknown-key", null, "signed by key 95F5142FD9834EDD", date, date, 120));
        Feed.Publish(Node(cache: new CacheSummary(0, 0, 1024 * MiB, 63_120, 0, 0, 2)));

        var cut = Render<CacheView>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=archive-row]").Count));
        Assert.Contains(cut.FindAll("th"), h => h.TextContent == "Signing key");
        Assert.Equal(["A5AF73C0FF749C131D0F8E55EEA9BDF7465B45A2", "none"], cut.FindAll("[data-testid=archive-signing-key]").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public void The_archive_list_is_read_again_when_an_archive_is_added_that_taught_no_hash()
    {
        Feed.Publish(Node(cache: new CacheSummary(0, 0, 1024 * MiB, 0, 0, 500, 0)));
        var cut = Render<CacheView>();
        cut.WaitForAssertion(() => Assert.Contains("No Release has been read yet", cut.Find("[data-testid=archives]").TextContent, StringComparison.Ordinal));

        // A bad Release: one archive more, not one hash more.
        var date = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        Archives.Archives.Add(new("evil.example", "dists/stable", "bad", null, "the signature does not match the Release's content", date, date, 0));
        Feed.Publish(Node(cache: new CacheSummary(0, 0, 1024 * MiB, 0, 0, 500, 1)));

        cut.WaitForAssertion(() => Assert.Equal(["bad"], cut.FindAll("[data-testid=archive-signature]").Select(c => c.TextContent.Trim())));
    }

    [Fact]
    public void Shows_the_files_most_uploaded_to_peers()
    {
        Catalog.Add("hello_2.10-3_amd64.deb", 50_000, hits: 7, uploaded: 100_000);
        Catalog.Add("tree_2.1.0-1_amd64.deb", 40_000, hits: 2, uploaded: 400_000);
        Catalog.Add("figlet_2.2.5_amd64.deb", 40_000, hits: 9);
        Feed.Publish(Node(cache: new CacheSummary(3, 256 * MiB, 1024 * MiB, 3, 1, 100)));

        var cut = Render<CacheView>();

        var top = cut.Find("[data-testid=most-uploaded]").TextContent;
        Assert.True(top.IndexOf("tree_2.1.0-1_amd64.deb", StringComparison.Ordinal) < top.IndexOf("hello_2.10-3_amd64.deb", StringComparison.Ordinal));
        Assert.DoesNotContain("figlet", top, StringComparison.Ordinal);
    }

    [Fact]
    public void Searches_by_package_name()
    {
        Catalog.Add("hello_2.10-3_amd64.deb", 50_000);
        Catalog.Add("tree_2.1.0-1_amd64.deb", 40_000);
        Feed.Publish(Node(cache: new CacheSummary(2, 90_000, long.MaxValue, 0, 0, 0)));
        var cut = Render<CacheView>();

        cut.Find("input[placeholder^=Search]").Input("tree");
        Time.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Equal(["tree_2.1.0-1_amd64.deb"], cut.FindAll("[data-testid=cached-file-name]").Select(e => e.TextContent)));
        Assert.Contains("1 files", cut.Find("[data-testid=cache-count]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Pages_through_many_files()
    {
        for (var i = 0; i < 30; i++)
            Catalog.Add($"pkg{i:00}_1.0_all.deb", 1000);
        Feed.Publish(Node(cache: new CacheSummary(30, 30_000, long.MaxValue, 0, 0, 0)));

        var cut = Render<CacheView>();
        Assert.Equal(25, cut.FindAll("[data-testid=cached-file-name]").Count);

        cut.FindAll(".mud-pagination-item button").First(b => b.TextContent.Trim() == "2").Click();

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=cached-file-name]").Count));
    }

    [Fact]
    public void Removes_a_file_and_says_so()
    {
        Catalog.Add("hello_2.10-3_amd64.deb", 50_000);
        var snackbar = Render<MudSnackbarProvider>();
        var cut = Render<CacheView>();

        cut.Find("[data-testid=remove-file]").Click();

        Assert.Equal(["hello_2.10-3_amd64.deb"], Catalog.Removed);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=cached-file-name]")));
        snackbar.WaitForAssertion(() => Assert.Contains("Removed hello_2.10-3_amd64.deb", snackbar.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_being_read_stays()
    {
        Catalog.Add("hello_2.10-3_amd64.deb", 50_000);
        Catalog.InUse.Add("hello_2.10-3_amd64.deb");
        var snackbar = Render<MudSnackbarProvider>();
        var cut = Render<CacheView>();

        cut.Find("[data-testid=remove-file]").Click();

        Assert.Empty(Catalog.Removed);
        snackbar.WaitForAssertion(() => Assert.Contains("is being read", snackbar.Markup, StringComparison.Ordinal));
    }
}
