using AptP2P.Engine.Stats;
using AptP2P.Web.Dashboard.Components;
using AptP2P.Web.Dashboard.Components.Settings;
using AptP2P.Web.Dashboard.Layout;
using AptP2P.Web.Settings;
using Bunit;
using Microsoft.AspNetCore.Components;
using static AptP2P.Tests.Dashboard.SampleStatistics;

namespace AptP2P.Tests.Dashboard;

public sealed class ComponentTests : DashboardTestContext
{
    [Fact]
    public void Stat_card_shows_title_figure_and_detail()
    {
        var cut = Render<StatCard>(p => p.Add(c => c.Title, "From peers").Add(c => c.Value, "3 GiB").Add(c => c.Detail, "75 % saved").Add(c => c.TestId, "card"));

        var card = cut.Find("[data-testid=card]");
        Assert.Contains("From peers", card.TextContent, StringComparison.Ordinal);
        Assert.Equal("3 GiB", cut.Find(".stat-value").TextContent);
        Assert.Equal("75 % saved", cut.Find(".stat-detail").TextContent);
    }

    [Fact]
    public void Source_chips_list_the_largest_sources_first()
    {
        var sources = new Dictionary<string, long> { ["192.0.2.1:9977"] = MiB, [TransferStatus.MirrorSource] = 5 * MiB };

        var cut = Render<SourceChips>(p => p.Add(c => c.Sources, sources));

        var chips = cut.FindAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(["mirror 5 MiB", "192.0.2.1:9977 1 MiB"], chips);
    }

    [Theory]
    [InlineData(TransferState.Downloading, "downloading")]
    [InlineData(TransferState.Stored, "stored")]
    [InlineData(TransferState.UpstreamStatus, "mirror error")]
    [InlineData(TransferState.HashMismatch, "hash mismatch")]
    public void Transfer_state_chip_names_the_state(TransferState state, string text)
    {
        var cut = Render<TransferStateChip>(p => p.Add(c => c.State, state));

        Assert.Equal(text, cut.Find("[data-testid=transfer-state]").TextContent.Trim());
    }

    [Fact]
    public async Task Throughput_chart_draws_three_series_in_a_readable_unit()
    {
        ThroughputSample[] samples = [.. Enumerable.Range(0, 120).Select(i => new ThroughputSample(Start.AddSeconds(i), 3 * MiB, MiB, 0, 512 * 1024))];

        var cut = Render<ThroughputChart>(p => p.Add(c => c.Samples, samples));
        await ReportElementSizesAsync();

        Assert.Contains("last 2 min", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("MiB/s", cut.Markup, StringComparison.Ordinal);
        Assert.Equal(3, cut.FindAll("svg path.mud-chart-line").Count);
        Assert.Contains("now", cut.Find("svg").TextContent, StringComparison.Ordinal);
        Assert.Contains("uploads 512 KiB/s", cut.Find("[data-testid=throughput-now]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Layout_has_the_navigation_and_switches_to_dark_mode()
    {
        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=page>page</p>"))));

        Assert.NotNull(cut.Find("#page"));
        var links = cut.FindAll(".mud-nav-link").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(["Overview", "Transfers", "Peers", "DHT", "Cache", "Settings", "API description"], links);
        Assert.Contains("--mud-palette-appbar-background: rgba(168,0,48,1)", cut.Markup, StringComparison.Ordinal);

        cut.Find("button[data-testid=dark-mode]").Click();

        cut.WaitForAssertion(() => Assert.Contains("--mud-palette-appbar-background: rgba(58,10,22,1)", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void Setting_fields_show_their_errors_and_the_restart_note()
    {
        var errors = new Dictionary<string, string[]> { [SettingKeys.Port] = ["The field Port must be between 0 and 65535."] };

        var cut = Render<SettingsSection>(p => p.Add(c => c.Title, "Network").AddChildContent<SettingNumber>(f => f
            .Add(c => c.Key, SettingKeys.Port).Add(c => c.Label, "Port").Add(c => c.Value, 70000).Add(c => c.Errors, errors)));

        Assert.Contains("Network", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("The field Port must be between 0 and 65535.", cut.Markup, StringComparison.Ordinal);
        Assert.NotNull(cut.Find(".mud-input-error"));
    }

    [Fact]
    public void Setting_list_turns_lines_into_entries()
    {
        string[]? changed = null;
        var cut = Render<SettingList>(p => p.Add(c => c.Key, SettingKeys.AllowedMirrors).Add(c => c.Label, "Mirrors")
            .Add(c => c.Value, ["deb.debian.org"]).Add(c => c.ValueChanged, (string[] v) => changed = v));

        cut.Find("textarea").Change(" deb.debian.org \n\nsecurity.debian.org");

        Assert.Equal(["deb.debian.org", "security.debian.org"], changed!);
    }

    [Fact]
    public void Setting_switch_and_text_pass_their_values_on()
    {
        bool? announce = null;
        string? limit = null;
        var toggle = Render<SettingSwitch>(p => p.Add(c => c.Key, SettingKeys.Announce).Add(c => c.Label, "Announce").Add(c => c.Value, true)
            .Add(c => c.ValueChanged, (bool v) => announce = v));
        var text = Render<SettingText>(p => p.Add(c => c.Key, SettingKeys.UploadRateLimit).Add(c => c.Label, "Limit").Add(c => c.Value, "0")
            .Add(c => c.ValueChanged, (string? v) => limit = v));

        toggle.Find("input").Change(false);
        text.Find("input").Change("10M");

        Assert.False(announce);
        Assert.Equal("10M", limit);
    }
}
