using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;

namespace AptP2P.Bench;

/// <summary>
/// Issue 13's start-up figure for each way the node can be built: process start to the first answer to an apt request (a
/// suite's signed InRelease, apt's first request of an update, through the node from a local nginx), on an empty data directory and on one with a large index, several
/// runs, the median; then the resident set after 10 s idle, split into JIT-compiled code, mapped files and the rest.
/// Variants: <c>build</c> (<c>dotnet AptP2P.Web.dll</c> from the Release build, what the other benchmarks run),
/// <c>publish</c> (self-contained, as <c>packaging/build-deb</c> published before ReadyToRun), <c>r2r</c> (the same with
/// <c>PublishReadyToRun</c>, as the package is built now), and <c>r2r-nopgo</c> / <c>r2r-notiered</c> (that with
/// <c>DOTNET_TieredPGO=0</c> / <c>DOTNET_TieredCompilation=0</c>).
/// </summary>
internal static class StartupBenchmark
{
    private const string Suite = "bench";
    private static readonly string[] DefaultVariants = ["build", "publish", "r2r"];

    private sealed record Variant(string Name, string? Executable, Dictionary<string, string> Environment);

    public static async Task RunAsync(TextWriter output, string[] args)
    {
        var names = args.Length == 0 ? DefaultVariants : args;
        var runs = SettingOr("APTP2P_BENCH_STARTUP_RUNS", 5);
        var entries = SettingOr("APTP2P_BENCH_STARTUP_ENTRIES", 200_000);
        var idle = TimeSpan.FromSeconds(SettingOr("APTP2P_BENCH_IDLE_SECONDS", 10));
        using var scratch = TestPaths.Create("startup");
        var publishRoot = Environment.GetEnvironmentVariable("APTP2P_BENCH_PUBLISH_DIR") is { Length: > 0 } kept ? kept : Path.Combine(scratch.Root, "publish");
        var variants = new List<Variant>();
        foreach (var name in names)
            variants.Add(await VariantAsync(output, name, publishRoot));

        // The index: a suite of ENTRIES packages fetched once through a node, which is stopped; every run reuses its data.
        var repo = Directory.CreateDirectory(Path.Combine(scratch.Root, "repo")).FullName;
        using (var text = new MemoryStream())
        {
            Testing.Apt.SyntheticPackages.Write(text, entries, seed: 7);
            WriteSuite(repo, text.ToArray());
        }
        var signer = await RepositorySigner.CreateAsync(Path.Combine(scratch.Root, "gnupg"), Path.Combine(scratch.Root, "key.gpg"), CancellationToken.None);
        await signer.SignAsync(Path.Combine(repo, "dists", Suite, "Release"), CancellationToken.None);
        using var trusted = TestKeyrings.Publish(signer.KeyringPath);
        await using var nginx = new NginxMirror(repo);
        await nginx.StartAsync(CancellationToken.None);
        var request = $"{nginx.HostPort}/dists/{Suite}/InRelease";
        var indexed = Path.Combine(scratch.Root, "indexed");
        var port = FreePort.Pick();
        int files;
        await using (var node = await NodeProcess.StartAsync(Options(variants[0], indexed, port)))
        {
            using var http = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
            (await http.GetAsync(request)).EnsureSuccessStatusCode();
            (await http.GetAsync($"{nginx.HostPort}/dists/{Suite}/main/binary-amd64/Packages")).EnsureSuccessStatusCode();
            files = await WaitForStableIndexAsync(node, entries, TimeSpan.FromMinutes(5));
            await node.TerminateAsync(TimeSpan.FromSeconds(30));
        }
        output.WriteLine($"startup: {runs} runs per variant, median; first answer = GET {Suite}'s InRelease (signed) through the node (from nginx), timed from the process's start; index: {files:N0} files; resident set after {idle.TotalSeconds:0} s idle");

        foreach (var variant in variants)
        {
            foreach (var withIndex in new[] { false, true })
            {
                var answers = new List<double>();
                var known = new List<double>();
                var memory = "";
                for (var run = 0; run < runs; run++)
                {
                    await using var node = await NodeProcess.StartAsync(Options(variant, withIndex ? indexed : null, port));
                    answers.Add((await FirstAnswerAsync(node, request)).TotalMilliseconds);
                    if (withIndex)
                    {
                        while (await IndexedAsync(node) < files)
                            await Task.Delay(20);
                        known.Add(SinceStart(node).TotalMilliseconds);
                    }
                    if (run == runs - 1)
                    {
                        await Task.Delay(idle);
                        memory = ProcessMemory.Breakdown(node.ProcessId);
                    }
                    await node.TerminateAsync(TimeSpan.FromSeconds(30));
                }
                var loaded = withIndex ? $", all files known {Median(known):0} ms" : "";
                output.WriteLine($"startup: {variant.Name,-12} {(withIndex ? "index" : "empty"),-5}: first answer {Median(answers):0} ms (runs {string.Join(", ", answers.Select(a => a.ToString("0", CultureInfo.InvariantCulture)))}){loaded}; idle {memory}");
            }
        }
    }

    private static async Task<Variant> VariantAsync(TextWriter output, string name, string publishRoot)
    {
        switch (name)
        {
            case "build":
                return new Variant(name, null, []);
            case "publish":
                return new Variant(name, await PublishAsync(output, Path.Combine(publishRoot, "jit"), readyToRun: false), []);
            case "r2r":
                return new Variant(name, await PublishAsync(output, Path.Combine(publishRoot, "r2r"), readyToRun: true), []);
            case "r2r-nopgo":
                return new Variant(name, await PublishAsync(output, Path.Combine(publishRoot, "r2r"), readyToRun: true), new() { ["DOTNET_TieredPGO"] = "0" });
            case "r2r-notiered":
                return new Variant(name, await PublishAsync(output, Path.Combine(publishRoot, "r2r"), readyToRun: true), new() { ["DOTNET_TieredCompilation"] = "0" });
            default:
                throw new ArgumentException($"unknown variant '{name}'; use: build, publish, r2r, r2r-nopgo, r2r-notiered");
        }
    }

    /// <summary>
    /// <c>dotnet publish</c> of the web host as <c>packaging/build-deb</c> runs it (self-contained, no LTTng provider; invariant
    /// globalization comes from Directory.Build.props), into <paramref name="directory"/> unless it already holds one (<c>APTP2P_BENCH_PUBLISH_DIR</c> keeps them).
    /// </summary>
    private static async Task<string> PublishAsync(TextWriter output, string directory, bool readyToRun)
    {
        var program = Path.Combine(directory, "AptP2P.Web");
        if (File.Exists(program))
            return program;
        var project = Path.Combine(RepositoryRoot(), "AptP2P.Web", "AptP2P.Web.csproj");
        var stopwatch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(Prerequisites.Require("dotnet"),
            ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:DebugType=none",
                "-p:GenerateDocumentationFile=false", $"-p:PublishReadyToRun={(readyToRun ? "true" : "false")}", "-o", directory, "-v", "q", "-nologo"],
            CancellationToken.None);
        if (result.ExitCode != 0 || !File.Exists(program))
            throw new InvalidOperationException($"dotnet publish failed:\n{result.Output}");
        File.Delete(Path.Combine(directory, "libcoreclrtraceptprovider.so"));
        File.Delete(Path.Combine(directory, "libmscordbi.so"));
        output.WriteLine($"startup: published {directory} (ReadyToRun {readyToRun}) in {stopwatch.Elapsed.TotalSeconds:0} s, {DirectoryBytes(directory) / 1_048_576.0:0.0} MiB");
        return program;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AptP2P.sln")))
                return directory.FullName;
        }
        throw new DirectoryNotFoundException($"no AptP2P.sln above {AppContext.BaseDirectory}");
    }

    private static long DirectoryBytes(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static NodeProcessOptions Options(Variant variant, string? dataDirectory, int port) => new()
    {
        DataDirectory = dataDirectory,
        Port = port,
        Executable = variant.Executable,
        Environment = variant.Environment,
        StartTimeout = TimeSpan.FromMinutes(2),
    };

    private static int SettingOr(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>dists/bench/Release and its main/binary-amd64/Packages.</summary>
    private static void WriteSuite(string repo, byte[] packages)
    {
        const string PackagesPath = "main/binary-amd64/Packages";
        var dists = Path.Combine(repo, "dists", Suite);
        Directory.CreateDirectory(Path.Combine(dists, "main/binary-amd64"));
        File.WriteAllBytes(Path.Combine(dists, PackagesPath), packages);
        var release = $"Origin: bench\nSuite: {Suite}\nCodename: {Suite}\nDate: {DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}\n"
            + $"Architectures: amd64\nComponents: main\nSHA256:\n {Convert.ToHexStringLower(SHA256.HashData(packages))} {packages.Length} {PackagesPath}\n";
        File.WriteAllText(Path.Combine(dists, "Release"), release, new UTF8Encoding(false));
    }

    private static async Task<int> IndexedAsync(NodeProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        using var stats = await http.GetFromJsonAsync<JsonDocument>("api/stats");
        return stats!.RootElement.GetProperty("cache").GetProperty("indexedHashes").GetInt32();
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

    /// <summary>How long after the process started the request was answered (polled every 20 ms once Kestrel listens).</summary>
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
