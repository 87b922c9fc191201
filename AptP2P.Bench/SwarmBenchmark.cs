using AptP2P.Engine;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>
/// The figures of issue 4: a 200 MB file from three seeding peers plus the mirror, every source limited to the same rate,
/// against the mirror alone; and four nodes installing the same package set in turn, the bytes taken from the mirror
/// against one set.
/// </summary>
internal static class SwarmBenchmark
{
    private const long HugeBytes = 200L * 1024 * 1024;
    private const string Rate = "20m";
    private const string NodeRate = "20M";
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", "fortunes-min", "librecode0", DebianRepository.BigPackageName];

    public static async Task RunAsync(TextWriter output, string[] only)
    {
        bool Wants(string part) => only.Length == 0 || only.Contains(part);
        Prerequisites.RequireAll("nginx", "curl", "apt-get", "apt-ftparchive", "dpkg-deb", "gpg");
        var results = new List<Result>();
        using var repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions(), CancellationToken.None);
        if (Wants("pieces"))
            results.Add(await PiecesFromSeveralSourcesAsync(output, repository));
        if (Wants("install"))
            results.Add(await FourNodesInTurnAsync(output, repository));
        Print(output, results);
    }

    private static async Task<Result> PiecesFromSeveralSourcesAsync(TextWriter output, DebianRepository repository)
    {
        var ct = CancellationToken.None;
        var huge = await repository.AddPackageAsync("aptp2p-huge", "1.0", HugeBytes, ct);
        await using var limited = new NginxMirror(repository.Root, ["access_log off;", $"limit_rate {Rate};"]) { Workers = 2 };
        await using var open = new NginxMirror(repository.Root, ["access_log off;"]) { Workers = 2 };
        await limited.StartAsync(ct);
        await open.StartAsync(ct);
        output.WriteLine($"200 MB: every source limited to {Rate}/s (nginx limit_rate, AptP2P:Peers:UploadRateLimit)");

        var alone = await CurlSecondsAsync(new Uri(limited.BaseUri, huge.PoolPath).AbsoluteUri);
        output.WriteLine($"  mirror alone: {F(alone)} s");

        await using var swarm = new SwarmNodes();
        var seeds = new List<AptP2PNode>();
        for (var i = 0; i < 3; i++)
        {
            var seed = await swarm.StartAsync(2 + i, $"AptP2P:Peers:UploadRateLimit={NodeRate}");
            using var apt = new AptClient(repository, new Uri(seed.PrefixFor(open.HostPort)));
            ProxyBenchmark.Check(await apt.UpdateAsync());
            ProxyBenchmark.Check(await apt.InstallDownloadOnlyAsync([huge.Name], ct));
            seeds.Add(seed);
        }
        var downloader = await swarm.StartAsync(5);
        using (var apt = new AptClient(repository, new Uri(downloader.PrefixFor(limited.HostPort))))
            ProxyBenchmark.Check(await apt.UpdateAsync());
        foreach (var seed in seeds)
            await SwarmNodes.WaitUntilFoundAsync(downloader, seed, [ContentHash.Parse(huge.Sha256)], TimeSpan.FromSeconds(60), ct);

        var together = await CurlSecondsAsync($"{downloader.BaseUri}{limited.HostPort}/{huge.PoolPath}");
        var transfer = downloader.Get<AptP2P.Engine.Transfers.TransferCoordinator>().Recent.First(t => t.Url.Path.EndsWith(Path.GetFileName(huge.PoolPath), StringComparison.Ordinal));
        output.WriteLine($"  3 peers + mirror: {F(together)} s; bytes by source: {string.Join(", ", transfer.BytesBySource.Select(s => $"{s.Key} {F(s.Value / 1e6, "0.0")} MB"))}");
        var ratio = together / alone;
        return new Result("200 MB from 3 peers + mirror vs mirror alone, same rate each", $"{F(together)} s", $"{F(alone)} s", ratio, "≤ 0.35×", ratio <= 0.35);
    }

    private static async Task<Result> FourNodesInTurnAsync(TextWriter output, DebianRepository repository)
    {
        var ct = CancellationToken.None;
        await using var mirror = new NginxMirror(repository.Root) { Workers = 2 };
        await mirror.StartAsync(ct);
        await using var swarm = new SwarmNodes();
        var set = InstallSet.Select(repository.Package).ToList();
        var setBytes = set.Sum(p => p.Size);
        var nodes = new List<AptP2PNode>();
        for (var i = 0; i < 4; i++)
        {
            var node = await swarm.StartAsync(2 + i);
            foreach (var earlier in nodes)
                await SwarmNodes.WaitUntilFoundAsync(node, earlier, set.Select(p => ContentHash.Parse(p.Sha256)), TimeSpan.FromSeconds(60), ct);
            using var apt = new AptClient(repository, new Uri(node.PrefixFor(mirror.HostPort)));
            ProxyBenchmark.Check(await apt.UpdateAsync());
            ProxyBenchmark.Check(await apt.InstallDownloadOnlyAsync(InstallSet, ct));
            nodes.Add(node);
        }
        var fromMirror = mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Sum(e => e.BodyBytes);
        var ratio = (double)fromMirror / setBytes;
        output.WriteLine($"4 nodes installing {set.Count} packages ({F(setBytes / 1e6, "0.0")} MB) in turn: {F(fromMirror / 1e6, "0.0")} MB of packages from the mirror");
        return new Result("4 nodes install the same set in turn: package bytes from the mirror vs one set", $"{F(fromMirror / 1e6, "0.0")} MB", $"{F(setBytes / 1e6, "0.0")} MB", ratio, "≤ 1.05×", ratio <= 1.05);
    }
}
