using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;

namespace AptP2P.Bench;

/// <summary>
/// Issue 13's memory figures: a real node process (Release build, default settings) measured by its resident set
/// (<c>/proc/PID/status</c>): idle with all of Debian bookworm indexed (after a real <c>apt-get update</c> of Debian's own
/// archive, and after a restart), the start-up with that index, the peak during 50 concurrent cold downloads, an archive
/// superseded 30 times, the dashboard open in a browser, and the floor: an empty Blazor Server app measured the same way.
/// </summary>
internal static class MemoryBenchmark
{
    private const string DebianMirror = "deb.debian.org";
    private static readonly string[] Parts = ["debian", "downloads", "churn", "floor", "dashboard"];
    private static readonly string[] ExtraParts = ["dashboard-empty"];

    public static async Task RunAsync(TextWriter output, string[] args)
    {
        var parts = args.Length == 0 ? Parts : args;
        var idle = TimeSpan.FromSeconds(SettingOr("APTP2P_BENCH_IDLE_SECONDS", 60));
        output.WriteLine($"memory: resident set (VmRSS) after {idle.TotalSeconds:0} s idle unless said otherwise; node: {NodeExecutable ?? "the Release build"}; GC: {Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? "as built"}");
        foreach (var part in parts)
        {
            switch (part)
            {
                case "debian":
                    await DebianAsync(output, idle, dashboard: false);
                    break;
                case "dashboard":
                    await DebianAsync(output, idle, dashboard: true);
                    break;
                case "dashboard-empty":
                    await EmptyDashboardAsync(output, idle);
                    break;
                case "downloads":
                    await DownloadsAsync(output, idle);
                    break;
                case "churn":
                    await ChurnAsync(output, idle);
                    break;
                case "floor":
                    await FloorAsync(output, idle);
                    break;
                default:
                    throw new ArgumentException($"unknown part '{part}'; use: {string.Join(", ", Parts.Concat(ExtraParts))}");
            }
        }
    }

    private static int SettingOr(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>
    /// The node measured: the Release build's <c>AptP2P.Web.dll</c>, or the program <c>APTP2P_BENCH_NODE</c> names (the
    /// package's <c>/usr/lib/aptp2p/AptP2P.Web</c>, or a publish as <c>packaging/build-deb</c> makes it).
    /// </summary>
    private static string? NodeExecutable => Environment.GetEnvironmentVariable("APTP2P_BENCH_NODE") is { Length: > 0 } program ? program : null;

    private static NodeProcessOptions NodeOptions(string? dataDirectory, int port, params string[] settings) => new()
    {
        Executable = NodeExecutable,
        DataDirectory = dataDirectory,
        Port = port,
        Settings = settings,
        StartTimeout = TimeSpan.FromMinutes(3),
    };

    /// <summary>
    /// bookworm, bookworm-updates and bookworm-security, main, amd64 + i386, deb + deb-src, from Debian's own archive
    /// through the node; idle; the start-up of a node with that index; idle again; optionally the dashboard for a while.
    /// </summary>
    private static async Task DebianAsync(TextWriter output, TimeSpan idle, bool dashboard)
    {
        using var data = TestPaths.Create("memory-debian");
        var port = FreePort.Pick();
        string[] settings = ["AptP2P:Trust:Keyrings:0=/usr/share/keyrings/debian-archive-keyring.gpg"];
        using var apt = new DebianAptSandbox($"http://127.0.0.1:{port}/{DebianMirror}");
        int indexed;
        await using (var node = await NodeProcess.StartAsync(NodeOptions(data.Root, port, settings)))
        {
            var update = await apt.UpdateAsync();
            if (update.ExitCode != 0)
                throw new InvalidOperationException("apt-get update through the node failed:\n" + update.Output);
            indexed = await WaitForIndexAsync(node, minimum: 100_000, TimeSpan.FromMinutes(5));
            output.WriteLine($"debian: apt-get update through the node {update.Elapsed.TotalSeconds:0.0} s, {indexed:N0} files indexed, peak {ProcessMemory.Mb(ProcessMemory.PeakResidentBytes(node.ProcessId))}");
            await Task.Delay(idle);
            output.WriteLine($"debian: idle after the update: {ProcessMemory.Mb(ProcessMemory.ResidentBytes(node.ProcessId))} (goal <= 80 MB); {ProcessMemory.Breakdown(node.ProcessId)}");
            await node.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        await using var restarted = await NodeProcess.StartAsync(NodeOptions(data.Root, port, settings));
        var answered = await FirstAnswerAsync(restarted, $"{DebianMirror}/debian/dists/bookworm/InRelease");
        while (await IndexedAsync(restarted) < indexed)
            await Task.Delay(20);
        var loaded = SinceStart(restarted);
        output.WriteLine($"debian: restart: apt answered {answered.TotalMilliseconds:0} ms after the process started (goal <= 1000 ms), all {indexed:N0} files known {loaded.TotalMilliseconds:0} ms after it");
        await Task.Delay(idle);
        var idleRestarted = ProcessMemory.ResidentBytes(restarted.ProcessId);
        output.WriteLine($"debian: idle after a restart: {ProcessMemory.Mb(idleRestarted)} (goal <= 80 MB); {ProcessMemory.Breakdown(restarted.ProcessId)}");
        if (dashboard)
            await DashboardAsync(output, restarted, idleRestarted);
    }

    /// <summary>
    /// The dashboard's own cost, quickly: an empty node idles as long as the dashboard will be open (the drift without it),
    /// then the dashboard is opened on it.
    /// </summary>
    private static async Task EmptyDashboardAsync(TextWriter output, TimeSpan idle)
    {
        using var data = TestPaths.Create("memory-dashboard");
        await using var node = await NodeProcess.StartAsync(NodeOptions(data.Root, FreePort.Pick()));
        await Task.Delay(idle);
        var idleResident = ProcessMemory.ResidentBytes(node.ProcessId);
        var samples = new List<string>();
        for (var minute = 1; minute <= SettingOr("APTP2P_BENCH_DASHBOARD_MINUTES", 10); minute++)
        {
            await Task.Delay(TimeSpan.FromMinutes(1));
            samples.Add(ProcessMemory.Mb(ProcessMemory.ResidentBytes(node.ProcessId)));
        }
        var before = ProcessMemory.ResidentBytes(node.ProcessId);
        output.WriteLine($"dashboard-empty: an empty node idle {ProcessMemory.Mb(idleResident)}, then without the dashboard per minute: {string.Join(", ", samples)}; {ProcessMemory.Breakdown(node.ProcessId)}");
        await DashboardAsync(output, node, before);
        output.WriteLine($"dashboard-empty: after the dashboard: {ProcessMemory.Breakdown(node.ProcessId)}");
    }

    /// <summary>The dashboard in Debian's chromium (headless), left open; the node's resident set before and after.</summary>
    private static async Task DashboardAsync(TextWriter output, NodeProcess node, long before)
    {
        var minutes = SettingOr("APTP2P_BENCH_DASHBOARD_MINUTES", 10);
        var chromium = Prerequisites.Require("chromium");
        using var profile = TestPaths.Create("memory-chromium");
        var browser = Process.Start(new ProcessStartInfo(chromium)
        {
            ArgumentList = { "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.Root}", node.BaseUri.AbsoluteUri },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("chromium did not start");
        browser.OutputDataReceived += (_, _) => { };
        browser.ErrorDataReceived += (_, _) => { };
        browser.BeginOutputReadLine();
        browser.BeginErrorReadLine();
        try
        {
            var samples = new List<string>();
            for (var minute = 1; minute <= minutes; minute++)
            {
                await Task.Delay(TimeSpan.FromMinutes(1));
                samples.Add(ProcessMemory.Mb(ProcessMemory.ResidentBytes(node.ProcessId)));
            }
            var after = ProcessMemory.ResidentBytes(node.ProcessId);
            output.WriteLine($"dashboard: open {minutes} min: {ProcessMemory.Mb(before)} -> {ProcessMemory.Mb(after)}, +{ProcessMemory.Mb(after - before)} (goal <= +10 MB); per minute: {string.Join(", ", samples)}");
        }
        finally
        {
            browser.Kill(entireProcessTree: true);
            await browser.WaitForExitAsync();
        }
    }

    /// <summary>50 files of 16 MiB, indexed, fetched at once through a cold node from nginx; the node's peak resident set.</summary>
    private static async Task DownloadsAsync(TextWriter output, TimeSpan idle)
    {
        const int Files = 50;
        const int Size = 16 * 1024 * 1024;
        using var root = TestPaths.Create("memory-downloads");
        var pool = Directory.CreateDirectory(Path.Combine(root.Root, "repo/pool/main/b")).FullName;
        var packages = new StringBuilder();
        var buffer = new byte[Size];
        for (var i = 0; i < Files; i++)
        {
            Random.Shared.NextBytes(buffer);
            var name = $"big{i}_1.0_amd64.deb";
            await File.WriteAllBytesAsync(Path.Combine(pool, name), buffer);
            packages.Append(CultureInfo.InvariantCulture, $"Package: big{i}\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/main/b/{name}\nSize: {Size}\nSHA256: {Convert.ToHexStringLower(SHA256.HashData(buffer))}\n\n");
        }
        var dists = WriteSuite(Path.Combine(root.Root, "repo"), "bench", packages.ToString(), DateTimeOffset.UtcNow);
        await using var nginx = new NginxMirror(Path.Combine(root.Root, "repo"));
        await nginx.StartAsync(CancellationToken.None);
        var port = FreePort.Pick();
        await using var node = await NodeProcess.StartAsync(NodeOptions(null, port));
        var mirror = $"{nginx.HostPort}";
        using var http = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        foreach (var path in dists)
            (await http.GetAsync($"{mirror}/{path}")).EnsureSuccessStatusCode();
        await WaitForIndexAsync(node, minimum: Files, TimeSpan.FromMinutes(1));
        await Task.Delay(idle);
        var before = ProcessMemory.ResidentBytes(node.ProcessId);
        ProcessMemory.ResetPeak(node.ProcessId);
        var cpuBefore = ProcessCpu.Own(node.ProcessId);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Files).Select(async i =>
        {
            using var response = await http.GetAsync($"{mirror}/pool/main/b/big{i}_1.0_amd64.deb", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            var read = 0L;
            var chunk = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(chunk)) > 0)
                read += n;
            if (read != Size)
                throw new InvalidOperationException($"big{i}: {read} bytes, expected {Size}");
        }));
        var elapsed = stopwatch.Elapsed;
        var peak = ProcessMemory.PeakResidentBytes(node.ProcessId);
        var cpu = ProcessCpu.Own(node.ProcessId) - cpuBefore;
        output.WriteLine($"downloads: 50 x 16 MiB at once, cold: {elapsed.TotalSeconds:0.0} s, node CPU {cpu.TotalSeconds:0.00} s; resident before {ProcessMemory.Mb(before)}, peak {ProcessMemory.Mb(peak)} (goal <= 150 MB), just after {ProcessMemory.Mb(ProcessMemory.ResidentBytes(node.ProcessId))}");
        await Task.Delay(idle);
        output.WriteLine($"downloads: idle after: {ProcessMemory.Mb(ProcessMemory.ResidentBytes(node.ProcessId))}");
    }

    /// <summary>An archive of 50,000 entries superseded entirely 30 times (a new Release, a new Packages), as unstable is daily.</summary>
    private static async Task ChurnAsync(TextWriter output, TimeSpan idle)
    {
        const int Entries = 50_000;
        const int Cycles = 30;
        var settle = TimeSpan.FromSeconds(Math.Min(idle.TotalSeconds, 15));
        using var root = TestPaths.Create("memory-churn");
        var repo = Directory.CreateDirectory(Path.Combine(root.Root, "repo")).FullName;
        await using var nginx = new NginxMirror(repo);
        await nginx.StartAsync(CancellationToken.None);
        var port = FreePort.Pick();
        await using var node = await NodeProcess.StartAsync(NodeOptions(null, port));
        using var http = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        var files = new List<int>();
        var memory = new List<long>();
        var parts = new List<string>();
        var date = DateTimeOffset.UtcNow.AddDays(-Cycles);
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            using var text = new MemoryStream();
            Testing.Apt.SyntheticPackages.Write(text, Entries, seed: 1000 + cycle);
            var paths = WriteSuite(repo, "sid", Encoding.UTF8.GetString(text.ToArray()), date.AddDays(cycle));
            (await http.GetAsync($"{nginx.HostPort}/{paths[0]}")).EnsureSuccessStatusCode();
            // As apt does: the detached signature next (there is none), then the index the new Release lists, once the node
            // has read that Release (until then it holds the old one's hash for the same path and refuses the new content).
            using (await http.GetAsync($"{nginx.HostPort}/{paths[0]}.gpg"))
            {
            }
            for (var attempt = 0; ; attempt++)
            {
                using var response = await http.GetAsync($"{nginx.HostPort}/{paths[1]}");
                if (response.IsSuccessStatusCode)
                    break;
                if (attempt == 20)
                    throw new InvalidOperationException($"cycle {cycle}: {paths[1]} answered {(int)response.StatusCode} 20 times; the node said:\n" + string.Join("\n", node.Output.Where(l => !l.Contains("binary-amd64/Packages", StringComparison.Ordinal)).TakeLast(40)));
                await Task.Delay(500);
            }
            files.Add(await WaitForStableIndexAsync(node, Entries, TimeSpan.FromMinutes(2)));
            await Task.Delay(cycle is 0 or Cycles - 1 ? idle : settle);
            memory.Add(ProcessMemory.ResidentBytes(node.ProcessId));
            parts.Add(ProcessMemory.Breakdown(node.ProcessId));
        }
        output.WriteLine($"churn: {Cycles} cycles of {Entries:N0} superseded entries: files known first {files[0]:N0}, max {files.Max():N0}, last {files[^1]:N0} ({(double)files.Max() / Entries:0.00}x one archive, goal <= 1.2x)");
        output.WriteLine($"churn: resident first cycle {ProcessMemory.Mb(memory[0])}, max {ProcessMemory.Mb(memory.Max())}, last {ProcessMemory.Mb(memory[^1])} ({(double)memory[^1] / memory[0]:0.00}x, goal <= 1.15x); per cycle: {string.Join(", ", memory.Select(m => (m / 1_000_000).ToString(CultureInfo.InvariantCulture)))}");
        output.WriteLine($"churn: first cycle {parts[0]}; last {parts[^1]}");
    }

    /// <summary>The floor: an empty ASP.NET Core + Blazor Server app with the node's runtime settings, one page rendered.</summary>
    private static async Task FloorAsync(TextWriter output, TimeSpan idle)
    {
        // The floor project builds beside this one (a project reference that is not loaded), with its own runtime files.
        var program = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory.Replace("/AptP2P.Bench/bin/", "/AptP2P.Bench.Floor/bin/", StringComparison.Ordinal), "AptP2P.Bench.Floor.dll"));
        if (!File.Exists(program))
            throw new FileNotFoundException($"{program} is missing: build the solution", program);
        var port = FreePort.Pick();
        var startInfo = new ProcessStartInfo("dotnet") { ArgumentList = { program, $"--urls=http://127.0.0.1:{port}" }, RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var floor = Process.Start(startInfo) ?? throw new InvalidOperationException("the floor app did not start");
        floor.OutputDataReceived += (_, _) => { };
        floor.ErrorDataReceived += (_, _) => { };
        floor.BeginOutputReadLine();
        floor.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    (await http.GetAsync("/")).EnsureSuccessStatusCode();
                    break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
            await Task.Delay(idle);
            output.WriteLine($"floor: empty ASP.NET Core + Blazor Server app, one page rendered, idle: {ProcessMemory.Mb(ProcessMemory.ResidentBytes(floor.Id))}");
        }
        finally
        {
            floor.Kill(entireProcessTree: true);
            await floor.WaitForExitAsync();
        }
    }

    /// <summary>Writes dists/SUITE/Release (unsigned) and its Packages; returns the paths to fetch, Release first.</summary>
    private static string[] WriteSuite(string repo, string suite, string packages, DateTimeOffset date)
    {
        var packagesPath = "main/binary-amd64/Packages";
        var dists = Path.Combine(repo, "dists", suite);
        Directory.CreateDirectory(Path.Combine(dists, "main/binary-amd64"));
        var bytes = Encoding.UTF8.GetBytes(packages);
        File.WriteAllBytes(Path.Combine(dists, packagesPath), bytes);
        var release = $"Origin: bench\nSuite: {suite}\nCodename: {suite}\nDate: {date.ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}\n"
            + $"Architectures: amd64\nComponents: main\nSHA256:\n {Convert.ToHexStringLower(SHA256.HashData(bytes))} {bytes.Length} {packagesPath}\n";
        File.WriteAllText(Path.Combine(dists, "Release"), release);
        return [$"dists/{suite}/Release", $"dists/{suite}/{packagesPath}"];
    }

    private static async Task<int> IndexedAsync(NodeProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        using var stats = await http.GetFromJsonAsync<JsonDocument>("api/stats");
        return stats!.RootElement.GetProperty("cache").GetProperty("indexedHashes").GetInt32();
    }

    private static async Task<int> WaitForIndexAsync(NodeProcess node, int minimum, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int count;
        while ((count = await IndexedAsync(node)) < minimum)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the node knows {count} files after {timeout}, expected {minimum}");
            await Task.Delay(200);
        }
        // Indexing continues while the count passes the minimum: wait until it stops moving.
        return await WaitForStableIndexAsync(node, minimum, timeout);
    }

    private static async Task<int> WaitForStableIndexAsync(NodeProcess node, int minimum, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = -1;
        var stableSince = DateTime.UtcNow;
        while (true)
        {
            var count = await IndexedAsync(node);
            if (count != last)
            {
                last = count;
                stableSince = DateTime.UtcNow;
            }
            else if (count >= minimum && DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(3))
            {
                return count;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the node's index did not settle: {count} files");
            await Task.Delay(250);
        }
    }

    private static TimeSpan SinceStart(NodeProcess node) => DateTime.Now - Process.GetProcessById(node.ProcessId).StartTime;

    /// <summary>How long after the process started a cached file's request was answered (the node was started just before).</summary>
    private static async Task<TimeSpan> FirstAnswerAsync(NodeProcess node, string path)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                response.EnsureSuccessStatusCode();
                return SinceStart(node);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}
