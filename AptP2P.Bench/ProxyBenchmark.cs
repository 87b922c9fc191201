using System.Diagnostics;
using System.Runtime;
using AptP2P.Engine;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using Microsoft.Extensions.Logging;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>
/// The figures of issue 2, each against a reference measured in the same run: apt-get through a cold AptP2P vs straight from
/// nginx (plain, and through a mirror adding 50 ms per response), a 200 MB cache hit vs nginx (curl), 64 concurrent small
/// cache hits vs nginx (wrk), and the rate at which a Debian-sized Packages.xz is parsed and stored.
/// </summary>
internal static class ProxyBenchmark
{
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", "fortunes-min", "librecode0", DebianRepository.BigPackageName];
    private const int AptRuns = 21;
    private const int MaxWarmUpRounds = 30;
    private const int SettledRoundsInARow = 3;
    private const double SettledJitMilliseconds = 60;

    public static async Task RunAsync(TextWriter output, string[] only)
    {
        bool Wants(string part) => only.Length == 0 || only.Contains(part);
        Prerequisites.RequireAll("nginx", "curl", "wrk", "apt-get", "apt-ftparchive", "dpkg-deb", "gpg", "xz");
        var ct = CancellationToken.None;
        var results = new List<Result>();

        output.WriteLine("Building the repository …");
        using var repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions(), ct);
        await using var nginx = new NginxMirror(repository.Root, ["access_log off;"]) { Workers = Environment.ProcessorCount };
        await nginx.StartAsync(ct);
        output.WriteLine($"nginx on {nginx.HostPort} ({Environment.ProcessorCount} workers), {repository.Packages.Count} packages");

        if (Wants("apt"))
            results.Add(await AptColdVsDirectAsync(output, repository, nginx.HostPort, "apt-get install, cold cache, vs straight from nginx", 1.05, ProcessCpu.Of(nginx)));
        if (Wants("latency"))
        {
            await using var slow = DelayingMirror.StartInFrontOf(nginx, TimeSpan.FromMilliseconds(50), LatencyMode.PerRequest);
            results.Add(await AptColdVsDirectAsync(output, repository, slow.HostPort, "same, mirror adding 50 ms per response", 1.0, strictlyBelow: true));
        }
        if (only.Contains("coldfiles"))
            await ColdFilesAsync(output, repository, nginx);
        if (Wants("bigfile"))
            results.Add(await FileServingBenchmarks.BigCacheHitAsync(output, repository, nginx));
        if (Wants("smallfiles"))
            results.Add(await FileServingBenchmarks.SmallCacheHitsAsync(output, repository, nginx));
        if (Wants("index"))
            results.Add(await IndexBenchmark.RunAsync(output));

        Print(output, results);
    }

    /// <summary>
    /// One node for all runs, warmed up first (a daemon is warm; its JIT start-up is not what is measured): the tiered JIT
    /// keeps recompiling hot code for many runs, eating a core of this 2-core machine, so warm-up goes on until <see cref="SettledRoundsInARow"/>
    /// rounds in a row each add less than <see cref="SettledJitMilliseconds"/> of compilation. Before every counted run the node's cache is emptied,
    /// so every file comes through a cold cache; a warm-cache run follows as a diagnosis (what the proxy costs on its own).
    /// </summary>
    private static async Task<Result> AptColdVsDirectAsync(TextWriter output, DebianRepository repository, string mirror, string measure, double goal, Func<TimeSpan>? mirrorCpu = null, bool strictlyBelow = false)
    {
        await using var node = await AptP2PNode.StartAsync(LogLevel.Warning, null, "127.0.0.1", 0);
        var rounds = 0;
        // Several quiet rounds in a row: right after start the JIT can pause between waves (methods wait for their call
        // counts), and a single quiet round there once ended the warm-up after 2 rounds and cost the run 0.08×.
        for (var quietInARow = 0; quietInARow < SettledRoundsInARow && rounds < MaxWarmUpRounds; rounds++)
        {
            var jitBefore = JitInfo.GetCompilationTime();
            await AptRoundAsync(repository, mirror, node, mirrorCpu);
            quietInARow = (JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds < SettledJitMilliseconds ? quietInARow + 1 : 0;
        }
        output.WriteLine($"{measure}: node warmed up by {rounds} rounds (JIT {F(JitInfo.GetCompilationTime().TotalSeconds, "0.0")} s in all)");

        var (direct, cold, warm) = (new List<double>(), new List<double>(), new List<double>());
        var cpu = new AptRoundCpu();
        for (var run = 0; run < AptRuns; run++)
        {
            var round = await AptRoundAsync(repository, mirror, node, mirrorCpu);
            direct.Add(round.Direct);
            cold.Add(round.Cold);
            warm.Add(round.Warm);
            cpu += round.Cpu;
        }
        var ratio = Median(cold) / Median(direct);
        output.WriteLine($"{measure}: AptP2P median {F(Median(cold), "0")} ms {Runs(cold)}, direct median {F(Median(direct), "0")} ms {Runs(direct)}");
        output.WriteLine($"  (diagnosis) the same through AptP2P with a warm cache: median {F(Median(warm), "0")} ms {Runs(warm)}");
        if (mirrorCpu is not null)
            output.WriteLine($"  (diagnosis) server CPU per install, mean: direct nginx {F(cpu.Direct.TotalMilliseconds / AptRuns, "0.0")} ms; cold AptP2P {F(cpu.ColdNode.TotalMilliseconds / AptRuns, "0.0")} ms + nginx {F(cpu.ColdMirror.TotalMilliseconds / AptRuns, "0.0")} ms; warm AptP2P {F(cpu.WarmNode.TotalMilliseconds / AptRuns, "0.0")} ms");
        return new Result(measure, $"{F(Median(cold), "0")} ms", $"{F(Median(direct), "0")} ms", ratio,
            strictlyBelow ? $"< {F(goal)}×" : $"≤ {F(goal)}×", strictlyBelow ? ratio < goal : ratio <= goal);

        static string Runs(List<double> values) => $"[{string.Join(' ', values.Select(v => F(v, "0")))}]";
    }

    /// <summary>
    /// One round: apt straight from the mirror, through the node with its cache emptied, then again with it warm (ms), and the
    /// servers' CPU time during each install (the node runs in this process; apt, a child process, is not counted).
    /// </summary>
    private static async Task<AptRound> AptRoundAsync(DebianRepository repository, string mirror, AptP2PNode node, Func<TimeSpan>? mirrorCpu)
    {
        mirrorCpu ??= static () => TimeSpan.Zero;
        double direct;
        var cpu = new AptRoundCpu();
        using (var apt = new AptClient(repository, new Uri($"http://{mirror}/")))
        {
            Check(await apt.UpdateAsync());
            var mirrorMeter = CpuMeter.Start(mirrorCpu);
            direct = Check(await apt.InstallDownloadOnlyAsync(InstallSet)).Elapsed.TotalMilliseconds;
            cpu = cpu with { Direct = mirrorMeter.Used };
        }
        EmptyCache(node);
        using (var apt = new AptClient(repository, new Uri(node.PrefixFor(mirror))))
        {
            Check(await apt.UpdateAsync());
            var (nodeMeter, mirrorMeter) = (CpuMeter.Start(ProcessCpu.OfThisProcess), CpuMeter.Start(mirrorCpu));
            var cold = Check(await apt.InstallDownloadOnlyAsync(InstallSet)).Elapsed.TotalMilliseconds;
            cpu = cpu with { ColdNode = nodeMeter.Used, ColdMirror = mirrorMeter.Used };
            Check(await apt.RunAsync("clean"));
            nodeMeter = CpuMeter.Start(ProcessCpu.OfThisProcess);
            var warm = Check(await apt.InstallDownloadOnlyAsync(InstallSet)).Elapsed.TotalMilliseconds;
            cpu = cpu with { WarmNode = nodeMeter.Used };
            return new AptRound(direct, cold, warm, cpu);
        }
    }

    private sealed record AptRound(double Direct, double Cold, double Warm, AptRoundCpu Cpu);

    private readonly record struct AptRoundCpu(TimeSpan Direct, TimeSpan ColdNode, TimeSpan ColdMirror, TimeSpan WarmNode)
    {
        public static AptRoundCpu operator +(AptRoundCpu a, AptRoundCpu b) =>
            new(a.Direct + b.Direct, a.ColdNode + b.ColdNode, a.ColdMirror + b.ColdMirror, a.WarmNode + b.WarmNode);
    }

    /// <summary>
    /// Not a goal, a diagnosis: each pool file fetched with curl through a cold AptP2P and straight from nginx, so the cost
    /// the proxy adds per file (transfer, partial file, hash, store) shows apart from apt's own work.
    /// </summary>
    private static async Task ColdFilesAsync(TextWriter output, DebianRepository repository, NginxMirror nginx)
    {
        const int rounds = 15;
        await using var node = await AptP2PNode.StartAsync(LogLevel.Warning, null, "127.0.0.1", 0);
        using (var apt = new AptClient(repository, new Uri(node.PrefixFor(nginx.HostPort))))
            Check(await apt.UpdateAsync());
        foreach (var package in repository.Packages.OrderBy(p => p.Size))
        {
            var direct = new List<double>();
            var proxied = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                EmptyCache(node);
                direct.Add(await CurlSecondsAsync(new Uri(nginx.BaseUri, package.PoolPath).AbsoluteUri));
                proxied.Add(await CurlSecondsAsync($"{node.BaseUri}{nginx.HostPort}/{package.PoolPath}"));
            }
            var (d, p) = (Median(direct) * 1000, Median(proxied) * 1000);
            output.WriteLine($"cold {package.Name} ({F(package.Size / 1024.0, "0")} KiB): direct median {F(d, "0.0")} ms, through AptP2P {F(p, "0.0")} ms (+{F(p - d, "0.0")} ms)");
        }
    }

    private static void EmptyCache(AptP2PNode node)
    {
        var store = node.Get<ContentStore>();
        foreach (var entry in store.Entries.ToList())
            store.TryRemove(entry.Hash);
        if (store.Count != 0)
            throw new InvalidOperationException("the cache could not be emptied between runs");
    }

    internal static AptResult Check(AptResult result) =>
        result.Succeeded ? result : throw new InvalidOperationException("apt-get failed: " + result);
}
