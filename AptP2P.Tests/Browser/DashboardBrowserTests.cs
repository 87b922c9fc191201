using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using AptP2P.Web.Settings;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AptP2P.Tests.Browser;

/// <summary>
/// The dashboard in a real browser against a real node: a download through the proxy from a rate-limited nginx mirror shows up
/// and progresses live, a setting changed in the form takes effect, and every page renders (a screenshot of each is kept).
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed partial class DashboardBrowserTests(MirrorFixture mirror, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static readonly LocatorAssertionsToContainTextOptions Patiently = new() { Timeout = 30_000 };
    private static readonly LocatorAssertionsToHaveTextOptions PatientlyExact = new() { Timeout = 30_000 };
    private readonly List<string> _consoleErrors = [];
    private AptP2PNode? _node;
    private IPage? _page;

    private AptP2PNode Node => _node!;
    private IPage Page => _page!;
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _node = await AptP2PNode.StartAsync(settings: ["AptP2P:Dht:BootstrapNodes="]);
        _page = await browser.NewPageAsync(_node.BaseUri);
        _page.Console += (_, message) =>
        {
            if (message.Type == "error")
                _consoleErrors.Add(message.Text);
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_page is not null)
            await _page.Context.CloseAsync();
        if (_node is not null)
            await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_download_through_the_proxy_appears_on_the_transfers_page_and_progresses()
    {
        await using var slowMirror = new NginxMirror(mirror.Repository.Root, ["location /pool/ { limit_rate 3m; }"]);
        await slowMirror.StartAsync(Token);
        using var apt = mirror.CreateClient(new Uri(Node.PrefixFor(slowMirror.HostPort)));
        var update = await apt.UpdateAsync(Token);
        Assert.True(update.Succeeded, update.ToString());

        await Page.GotoAsync("transfers");
        await WaitForLiveUpdatesAsync();
        var big = mirror.Repository.BigPackage;
        var download = apt.InstallDownloadOnlyAsync([big.Name], Token);

        var row = Page.Locator("[data-testid=active-transfers] tbody tr", new() { HasText = big.ArchiveFileName });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var progress = row.GetByTestId("transfer-progress");
        await Expect(progress).ToContainTextAsync("%", Patiently);
        var first = PercentOf(await progress.TextContentAsync());
        await Expect(progress).Not.ToHaveTextAsync(new Regex($@"^\s*{Regex.Escape(first.ToString(CultureInfo.InvariantCulture))} %"), PatientlyExact);
        var later = PercentOf(await progress.TextContentAsync());
        Assert.True(later > first, $"progress moved from {first} % to {later} %");
        await Expect(row).ToContainTextAsync("mirror only");
        await Expect(row.GetByTestId("transfer-speed")).Not.ToHaveTextAsync("0 B/s", PatientlyExact);
        await browser.ScreenshotAsync(Page, "transfers");

        await Page.GetByRole(AriaRole.Link, new() { Name = "Overview", Exact = true }).ClickAsync();
        await Expect(Page.GetByTestId("active-transfers").Locator(".stat-value")).ToHaveTextAsync("1", PatientlyExact);
        await Expect(Page.GetByTestId("throughput-now")).Not.ToContainTextAsync("mirror 0 B/s", Patiently);

        var result = await download;
        Assert.True(result.Succeeded, result.ToString());
        await Expect(Page.GetByTestId("from-mirror")).ToContainTextAsync("MiB today", Patiently);
        await browser.ScreenshotAsync(Page, "overview");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Transfers", Exact = true }).ClickAsync();
        var finished = Page.Locator("[data-testid=recent-transfers] tbody tr", new() { HasText = big.ArchiveFileName });
        await Expect(finished).ToContainTextAsync("stored", Patiently);
        await Expect(Page.Locator("[data-testid=recent-transfers]")).ToContainTextAsync("Packages");
        Assert.Empty(_consoleErrors);
    }

    [Fact]
    public async Task A_setting_changed_in_the_form_takes_effect_and_the_api_reflects_it()
    {
        await Page.GotoAsync("settings");
        await WaitForLiveUpdatesAsync();
        var sizeLimit = Page.GetByTestId(SettingKeys.CacheSizeLimit);
        var save = Page.GetByTestId("settings-save");

        await sizeLimit.FillAsync("lots");
        await sizeLimit.PressAsync("Tab");
        await Expect(Page.GetByText("AptP2P:Cache:SizeLimit must be a size")).ToBeVisibleAsync();
        await Expect(save).ToBeDisabledAsync();

        await sizeLimit.FillAsync("512M");
        await sizeLimit.PressAsync("Tab");
        await Expect(save).ToBeEnabledAsync();
        await save.ClickAsync();
        await Expect(Page.GetByTestId("settings-saved")).ToContainTextAsync("Saved: AptP2P:Cache:SizeLimit");
        await browser.ScreenshotAsync(Page, "settings");

        using var http = new HttpClient { BaseAddress = Node.BaseUri };
        var settings = await http.GetFromJsonAsync<SettingsDocument>(new Uri("api/settings", UriKind.Relative), Token);
        Assert.Equal("512M", settings!.Cache.SizeLimit);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Cache", Exact = true }).ClickAsync();
        await Expect(Page.GetByTestId("cache-size")).ToContainTextAsync("of 512 MiB", Patiently);
        Assert.Empty(_consoleErrors);
    }

    [Fact]
    public async Task Every_page_renders_live_in_light_and_dark()
    {
        string[][] pages = [["", "Overview"], ["transfers", "Transfers"], ["peers", "Peers"], ["dht", "DHT"], ["cache", "Cache"], ["settings", "Settings"]];
        await Page.GotoAsync("");
        await WaitForLiveUpdatesAsync();
        foreach (var page in pages)
        {
            await Page.GotoAsync(page[0]);
            await Expect(Page.Locator("h1")).ToHaveTextAsync(page[1]);
            await WaitForLiveUpdatesAsync();
            await browser.ScreenshotAsync(Page, "page-" + (page[0].Length == 0 ? "overview" : page[0]));
        }

        await Page.GotoAsync("dht");
        await Expect(Page.GetByTestId("dht-node-id")).ToHaveTextAsync(NodeIdPattern(), PatientlyExact);
        // The prerendered page shows the node id before its circuit is up; a click before that would be lost.
        await WaitForLiveUpdatesAsync();
        await Page.GetByTestId("dark-mode").ClickAsync();
        await Expect(Page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", "rgb(58, 10, 22)");
        await browser.ScreenshotAsync(Page, "page-dht-dark");
        Assert.Empty(_consoleErrors);
    }

    /// <summary>The page is interactive once the circuit has pushed an update (the uptime line changes at least once a second).</summary>
    private async Task WaitForLiveUpdatesAsync()
    {
        await Page.WaitForFunctionAsync("() => window.Blazor !== undefined", null, new() { Timeout = 30_000 });
        await Page.WaitForFunctionAsync(
            "() => document.querySelector('.mud-main-content') && document.querySelector('.mud-main-content').dataset.live === 'true'",
            null, new() { Timeout = 30_000 });
    }

    /// <summary>The percentage a progress caption starts with: "8.3 % · 2 MiB of 24 MiB" gives 8.3.</summary>
    private static double PercentOf(string? text) =>
        PercentPattern().Match(text ?? "") is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?) %")]
    private static partial Regex PercentPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex NodeIdPattern();
}
