using System.Globalization;
using System.Text.RegularExpressions;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using Microsoft.Extensions.Logging;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>Cache hits against nginx serving the same files: one 200 MB file (curl), and many small ones at once (wrk).</summary>
internal static partial class FileServingBenchmarks
{
    private const long HugeBytes = 200L * 1024 * 1024;
    private const int CurlRounds = 6;
    private const int SlowReaderRounds = 6;
    private const int WrkRounds = 9;
    private const int WrkRoundSeconds = 3;

    public static async Task<Result> BigCacheHitAsync(TextWriter output, DebianRepository repository, NginxMirror nginx)
    {
        var huge = await repository.AddPackageAsync("aptp2p-huge", "1.0", HugeBytes, CancellationToken.None);
        await using var node = await AptP2PNode.StartAsync(LogLevel.Warning, null, "127.0.0.1", 0);
        using (var apt = new AptClient(repository, new Uri(node.PrefixFor(nginx.HostPort))))
            ProxyBenchmark.Check(await apt.UpdateAsync());
        var direct = new Uri(nginx.BaseUri, huge.PoolPath).AbsoluteUri;
        var proxied = $"{node.BaseUri}{nginx.HostPort}/{huge.PoolPath}";
        await CurlSecondsAsync(proxied); // fills the cache
        await CurlSecondsAsync(direct);  // warms the page cache for nginx too
        for (var warmUp = 0; warmUp < 3; warmUp++)
            await CurlSecondsAsync(proxied);

        var nginxCpuTime = ProcessCpu.Of(nginx);

        var nginxRates = new List<double>();
        var nodeRates = new List<double>();
        var (nginxCpu, nodeCpu) = (TimeSpan.Zero, TimeSpan.Zero);
        for (var round = 0; round < CurlRounds; round++)
        {
            var meter = CpuMeter.Start(nginxCpuTime);
            nginxRates.Add(huge.Size / 1e6 / await CurlSecondsAsync(direct));
            nginxCpu += meter.Used;
            meter = CpuMeter.Start(ProcessCpu.OfThisProcess);
            nodeRates.Add(huge.Size / 1e6 / await CurlSecondsAsync(proxied));
            nodeCpu += meter.Used;
        }
        var ratio = nodeRates.Average() / nginxRates.Average();
        output.WriteLine($"200 MB cache hit: AptP2P {F(nodeRates.Average(), "0")} MB/s [{string.Join(' ', nodeRates.Select(r => F(r, "0")))}], nginx {F(nginxRates.Average(), "0")} MB/s [{string.Join(' ', nginxRates.Select(r => F(r, "0")))}]");
        output.WriteLine($"  server CPU per 200 MB: AptP2P {F(nodeCpu.TotalMilliseconds / CurlRounds, "0")} ms, nginx {F(nginxCpu.TotalMilliseconds / CurlRounds, "0")} ms");

        // A reader as slow as apt (which hashes at about 250 MB/s here): what serving costs when the socket keeps filling up.
        var (slowNginx, slowNode) = (TimeSpan.Zero, TimeSpan.Zero);
        await CurlSecondsAsync(proxied, "--limit-rate", "250M"); // its own code paths (the socket keeps filling up) warm up first
        for (var round = 0; round < SlowReaderRounds; round++)
        {
            var meter = CpuMeter.Start(nginxCpuTime);
            await CurlSecondsAsync(direct, "--limit-rate", "250M");
            slowNginx += meter.Used;
            meter = CpuMeter.Start(ProcessCpu.OfThisProcess);
            await CurlSecondsAsync(proxied, "--limit-rate", "250M");
            slowNode += meter.Used;
        }
        output.WriteLine($"  the same to a reader taking 250 MB/s: server CPU per 200 MB: AptP2P {F(slowNode.TotalMilliseconds / SlowReaderRounds, "0")} ms, nginx {F(slowNginx.TotalMilliseconds / SlowReaderRounds, "0")} ms");
        return new Result("200 MB cache hit over loopback (curl)", $"{F(nodeRates.Average(), "0")} MB/s", $"{F(nginxRates.Average(), "0")} MB/s", ratio, "≥ 0.90×", ratio >= 0.9);
    }

    public static async Task<Result> SmallCacheHitsAsync(TextWriter output, DebianRepository repository, NginxMirror nginx)
    {
        var small = repository.Packages.Where(p => p.Size < 200 * 1024).ToList();
        await using var node = await AptP2PNode.StartAsync(LogLevel.Warning, null, "127.0.0.1", 0);
        using (var apt = new AptClient(repository, new Uri(node.PrefixFor(nginx.HostPort))))
        {
            ProxyBenchmark.Check(await apt.UpdateAsync());
            ProxyBenchmark.Check(await apt.InstallDownloadOnlyAsync(small.Select(p => p.Name), CancellationToken.None));
        }

        var nginxPaths = small.Select(p => "/" + p.PoolPath).ToList();
        var nodePaths = small.Select(p => $"/{nginx.HostPort}/{p.PoolPath}").ToList();
        // The node runs in this process; its other threads are idle while wrk (a child process, not counted) measures.
        var nodeServer = new WrkTarget(node.BaseUri, nodePaths, ProcessCpu.OfThisProcess);
        var nginxServer = new WrkTarget(nginx.BaseUri, nginxPaths, ProcessCpu.Of(nginx));
        // Warm-up runs, not counted: the node's JIT needs some 20-30 s of load to reach its optimised tiers (a daemon's
        // steady state is what is measured); both servers' files sit in the page cache.
        await WrkAsync(nginxServer, 8);
        for (var warmUp = 0; warmUp < 4; warmUp++)
            await WrkAsync(nodeServer, 8);
        // Short alternating rounds, each node round between two nginx rounds, which it is compared with: the machine's speed
        // drifts by ±20 % over seconds (a shared VM), so one long run of each says more about the drift than about the servers.
        var nginxRuns = new List<WrkRound> { await WrkAsync(nginxServer, WrkRoundSeconds) };
        var nodeRuns = new List<WrkRound>();
        var ratios = new List<double>();
        for (var round = 0; round < WrkRounds; round++)
        {
            nodeRuns.Add(await WrkAsync(nodeServer, WrkRoundSeconds));
            nginxRuns.Add(await WrkAsync(nginxServer, WrkRoundSeconds));
            ratios.Add(nodeRuns[^1].RequestsPerSecond / ((nginxRuns[^2].RequestsPerSecond + nginxRuns[^1].RequestsPerSecond) / 2));
        }
        var nginxRps = Median(nginxRuns.Select(r => r.RequestsPerSecond));
        var nodeRps = Median(nodeRuns.Select(r => r.RequestsPerSecond));
        var ratio = Median(ratios);
        output.WriteLine($"64 connections, small cache hits ({small.Count} files, {F(small.Average(p => p.Size) / 1024.0, "0")} KiB average): AptP2P median {F(nodeRps, "0")} req/s [{string.Join(' ', nodeRuns.Select(r => F(r.RequestsPerSecond, "0")))}], nginx median {F(nginxRps, "0")} req/s [{string.Join(' ', nginxRuns.Select(r => F(r.RequestsPerSecond, "0")))}], median of the rounds' ratios {F(ratio)} [{string.Join(' ', ratios.Select(r => F(r)))}]");
        // CPU per request says where the difference lies: on this machine wrk competes with the server for the same cores.
        output.WriteLine($"  server CPU per request (user + system): AptP2P {F(CpuPerRequest(nodeRuns), "0.0")} µs, nginx {F(CpuPerRequest(nginxRuns), "0.0")} µs");
        return new Result($"64 concurrent small cache hits (wrk, {small.Count} files)", $"{F(nodeRps, "0")} req/s", $"{F(nginxRps, "0")} req/s", ratio, "≥ 0.70×", ratio >= 0.7);
    }

    private sealed record WrkTarget(Uri Server, IReadOnlyList<string> Paths, Func<TimeSpan> ServerCpu);

    private sealed record WrkRound(double RequestsPerSecond, long Requests, TimeSpan ServerCpu);

    private static double CpuPerRequest(IEnumerable<WrkRound> rounds) =>
        rounds.Sum(r => r.ServerCpu.TotalMicroseconds) / rounds.Sum(r => r.Requests);

    private static async Task<WrkRound> WrkAsync(WrkTarget target, int seconds)
    {
        var script = Path.Combine(Path.GetTempPath(), $"aptp2p-wrk-{Guid.NewGuid():N}.lua");
        var list = string.Join(", ", target.Paths.Select(p => $"\"{p}\""));
        await File.WriteAllTextAsync(script, $$"""
            local paths = { {{list}} }
            local i = 0
            request = function()
              i = i + 1
              return wrk.format("GET", paths[(i % #paths) + 1])
            end
            """);
        try
        {
            var spec = new ProcessSpec("wrk", ["-t2", "-c64", $"-d{seconds}s", "-s", script, target.Server.AbsoluteUri]) { Timeout = TimeSpan.FromSeconds(60) };
            var meter = CpuMeter.Start(target.ServerCpu);
            var result = await ProcessRunner.RunAsync(spec, CancellationToken.None);
            var cpu = meter.Used;
            var rate = RequestsPerSecond().Match(result.StandardOutput);
            var count = RequestCount().Match(result.StandardOutput);
            if (!rate.Success || !count.Success || result.StandardOutput.Contains("Non-2xx", StringComparison.Ordinal))
                throw new InvalidOperationException("wrk did not measure cleanly:\n" + result.Output);
            return new WrkRound(
                double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture),
                cpu);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex RequestCount();

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();
}
