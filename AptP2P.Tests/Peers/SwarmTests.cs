using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Peers;

/// <summary>
/// A swarm end to end: one nginx mirror and three AptP2P nodes on 127.0.0.2, .3 and .4, each with its own HTTP and DHT port,
/// bootstrapping from each other, each driven by its own real apt-get.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class SwarmTests(MirrorFixture fixture) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName];

    private NginxMirror _mirror = null!;
    private SwarmNodes _swarm = new();

    public async ValueTask InitializeAsync()
    {
        _mirror = new NginxMirror(fixture.Repository.Root);
        await _mirror.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _swarm.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    [Fact]
    public async Task A_second_node_gets_the_packages_from_the_first_and_none_from_the_mirror()
    {
        var (a, b) = await StartHolderAndSeekerAsync(2, 3);
        using var aptB = Client(b);
        _mirror.ClearAccessLog();

        AptThroughProxyTests.AssertSucceeded(await aptB.UpdateAsync(Ct), b);
        AptThroughProxyTests.AssertSucceeded(await aptB.InstallDownloadOnlyAsync(InstallSet), b);

        var fromMirror = _mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.True(fromMirror.Count == 0, $"B asked the mirror for {string.Join(", ", fromMirror)}; B's transfers: {Describe(b.Get<TransferCoordinator>().Recent)}; why: {string.Join("; ", b.Logs.Matching("streaming from the mirror").Select(l => l.Message))}");
        foreach (var name in InstallSet)
            AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(fixture.Repository.Package(name).PoolPath), aptB.ArchivePathOf(fixture.Repository.Package(name)));
        var traffic = b.Get<TrafficStatistics>().Snapshot();
        var debBytes = InstallSet.Sum(n => fixture.Repository.Package(n).Size);
        Assert.True(traffic.BytesFromPeers >= debBytes, $"B took {traffic.BytesFromPeers} bytes from peers, the packages are {debBytes}");
        var bigTransfer = b.Get<TransferCoordinator>().Recent.First(t => t.Url.Path.EndsWith(Path.GetFileName(fixture.Repository.BigPackage.PoolPath), StringComparison.Ordinal));
        Assert.Equal(fixture.Repository.BigPackage.Size, bigTransfer.BytesBySource[$"{a.BindAddress}:{a.Port}"]);
    }

    [Fact]
    public async Task Three_nodes_on_one_port_at_127_0_0_2_to_4_use_each_other()
    {
        // One port for all, as on a LAN where every node listens on 9977: a peer at another address with our port is another node.
        var port = SwarmNodes.FreeSharedPort(2, 3, 4);
        _swarm = new SwarmNodes(port);
        var (a, c) = await StartHolderAndSeekerAsync(2, 4, middleOctet: 3);
        Assert.All(_swarm.Nodes, n => Assert.Equal(port, n.Port));
        using var aptC = Client(c);
        _mirror.ClearAccessLog();

        AptThroughProxyTests.AssertSucceeded(await aptC.UpdateAsync(Ct), c);
        AptThroughProxyTests.AssertSucceeded(await aptC.InstallDownloadOnlyAsync(InstallSet), c);

        var fromMirror = _mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.True(fromMirror.Count == 0, $"C asked the mirror for {string.Join(", ", fromMirror)}; C's transfers: {Describe(c.Get<TransferCoordinator>().Recent)}");
        foreach (var name in InstallSet)
            AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(fixture.Repository.Package(name).PoolPath), aptC.ArchivePathOf(fixture.Repository.Package(name)));
        var bigTransfer = c.Get<TransferCoordinator>().Recent.First(t => t.Url.Path.EndsWith(Path.GetFileName(fixture.Repository.BigPackage.PoolPath), StringComparison.Ordinal));
        Assert.Equal(fixture.Repository.BigPackage.Size, bigTransfer.BytesBySource[$"{a.BindAddress}:{port}"]);
    }

    [Fact]
    public async Task A_third_node_takes_pieces_of_a_large_file_from_both_peers_that_hold_it()
    {
        // Upload rates keep either peer from finishing it alone before the other is asked: 24 MiB at 16 MB/s in all, some
        // 1.5 s, within the grace and the default 2 s tolerance, so the mirror stays out.
        var (a, b, sources) = await FetchBigFileFromTwoLimitedPeersAsync(downloaderSettings: []);

        Assert.True(sources.GetValueOrDefault($"{a.BindAddress}:{a.Port}") > 0, "no bytes from A: " + string.Join(", ", sources));
        Assert.True(sources.GetValueOrDefault($"{b.BindAddress}:{b.Port}") > 0, "no bytes from B: " + string.Join(", ", sources));
        Assert.False(sources.ContainsKey(SourceNames.Mirror), "the mirror joined: " + string.Join(", ", sources));
        Assert.Equal(fixture.Repository.BigPackage.Size, sources.Values.Sum());
    }

    [Fact]
    public async Task Without_a_tolerance_for_slow_peers_the_mirror_joins_when_they_would_not_finish_within_the_grace()
    {
        var (_, _, sources) = await FetchBigFileFromTwoLimitedPeersAsync(downloaderSettings: ["AptP2P:Peers:SlowPeerToleranceSeconds=0"]);

        Assert.True(sources.GetValueOrDefault(SourceNames.Mirror) > 0, "the mirror never joined: " + string.Join(", ", sources));
        Assert.Equal(fixture.Repository.BigPackage.Size, sources.Values.Sum());
    }

    /// <summary>A and B hold the large package and upload at 8 MB/s each; C, started with <paramref name="downloaderSettings"/>, installs it.</summary>
    /// <returns>The holders and the bytes of C's transfer by source.</returns>
    private async Task<(AptP2PNode A, AptP2PNode B, IReadOnlyDictionary<string, long> Sources)> FetchBigFileFromTwoLimitedPeersAsync(string[] downloaderSettings)
    {
        string[] limited = ["AptP2P:Peers:UploadRateLimit=8M"];
        var a = await _swarm.StartAsync(2, limited);
        var b = await _swarm.StartAsync(3, limited);
        var c = await _swarm.StartAsync(4, downloaderSettings);
        var big = fixture.Repository.BigPackage;
        foreach (var holder in new[] { a, b })
        {
            using var apt = Client(holder);
            AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), holder);
            AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync(big.Name), holder);
        }
        await WaitUntilFoundAsync(c, a, [big.Name]);
        await WaitUntilFoundAsync(c, b, [big.Name]);
        using var aptC = Client(c);
        AptThroughProxyTests.AssertSucceeded(await aptC.UpdateAsync(Ct), c);

        AptThroughProxyTests.AssertSucceeded(await aptC.InstallDownloadOnlyAsync(big.Name), c);

        AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(big.PoolPath), aptC.ArchivePathOf(big));
        var transfer = c.Get<TransferCoordinator>().Recent.First(t => t.Url.Path.EndsWith(Path.GetFileName(big.PoolPath), StringComparison.Ordinal));
        return (a, b, transfer.BytesBySource);
    }

    [Fact]
    public async Task With_the_mirror_stopped_a_node_installs_what_a_peer_holds()
    {
        var (_, c) = await StartHolderAndSeekerAsync(2, 4);
        using var aptC = Client(c);
        AptThroughProxyTests.AssertSucceeded(await aptC.UpdateAsync(Ct), c);

        await _mirror.StopAsync(Ct);
        var result = await aptC.InstallDownloadOnlyAsync(InstallSet);

        AptThroughProxyTests.AssertSucceeded(result, c);
        foreach (var name in InstallSet)
            AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(fixture.Repository.Package(name).PoolPath), aptC.ArchivePathOf(fixture.Repository.Package(name)));
    }

    private static string Describe(IEnumerable<Transfer> transfers) =>
        string.Join("; ", transfers.Select(t => $"{Path.GetFileName(t.Url.Path)} from {string.Join(" + ", t.BytesBySource.Select(s => $"{s.Key} {s.Value}"))}"));

    /// <summary>A node on 127.0.0.<paramref name="holderOctet"/> that has fetched <see cref="InstallSet"/> through its proxy, and one on
    /// 127.0.0.<paramref name="seekerOctet"/> that finds it in the DHT as a peer for each of those files.</summary>
    private async Task<(AptP2PNode Holder, AptP2PNode Seeker)> StartHolderAndSeekerAsync(int holderOctet, int seekerOctet, int? middleOctet = null)
    {
        var holder = await _swarm.StartAsync(holderOctet);
        if (middleOctet is { } middle)
            await _swarm.StartAsync(middle);
        var seeker = await _swarm.StartAsync(seekerOctet);
        using var apt = Client(holder);
        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), holder);
        AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync(InstallSet), holder);
        // Everything the holder now has, dependencies included (librecode0, fortunes-min), not only the packages named.
        var held = holder.Get<ContentStore>().Entries.Where(e => e.Verified).Select(e => e.Hash).ToList();
        await SwarmNodes.WaitUntilFoundAsync(seeker, holder, held, TimeSpan.FromSeconds(30), Ct);
        return (holder, seeker);
    }

    private AptClient Client(AptP2PNode node) => fixture.CreateClient(new Uri(node.PrefixFor(_mirror.HostPort)));

    private Task WaitUntilFoundAsync(AptP2PNode seeker, AptP2PNode holder, IEnumerable<string> packages) =>
        SwarmNodes.WaitUntilFoundAsync(seeker, holder, packages.Select(n => ContentHash.Parse(fixture.Repository.Package(n).Sha256)), TimeSpan.FromSeconds(30), Ct);
}
