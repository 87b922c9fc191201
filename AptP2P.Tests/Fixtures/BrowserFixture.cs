using AptP2P.Testing.Machine;
using Microsoft.Playwright;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// One headless Debian chromium for a test class, driven by Playwright .NET. Playwright never downloads a browser here: it is
/// told where chromium is (<c>/usr/bin/chromium</c>, or <c>BROWSER_PATH</c>), and a missing chromium fails the test with the
/// package to install. Screenshots are kept as test artifacts under <see cref="ScreenshotDirectory"/>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("BrowserFixture is used before InitializeAsync ran.");

    /// <summary><c>APTP2P_SCREENSHOTS</c>, or <c>browser-screenshots</c> beside the test assembly.</summary>
    public string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("APTP2P_SCREENSHOTS") is { Length: > 0 } configured
        ? configured
        : Path.Combine(AppContext.BaseDirectory, "browser-screenshots");

    public async ValueTask InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("BROWSER_PATH") is { Length: > 0 } path ? path : DefaultChromium;
        if (!File.Exists(chromium))
        {
            throw new MissingPrerequisiteException(
                $"The browser tests drive Debian's chromium at {chromium}, which is not installed here. "
                + "Install it with: apt-get install -y --no-install-recommends chromium");
        }
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Root in CI needs --no-sandbox; the rest stops chromium's own background connections.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"],
        });
    }

    /// <summary>A fresh context (cookies, storage) and page whose relative URLs resolve against <paramref name="baseUri"/>.</summary>
    public async Task<IPage> NewPageAsync(Uri baseUri, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUri.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            ColorScheme = colorScheme,
        });
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot as <c>name.png</c> and attaches it to the running test.</summary>
    public async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.AddAttachment(name + ".png", png, "image/png");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
