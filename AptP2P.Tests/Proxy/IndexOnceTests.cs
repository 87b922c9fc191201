using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Proxy;
using AptP2P.Testing.Http;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.FixtureTests;

namespace AptP2P.Tests.Proxy;

/// <summary>
/// One index fetched under each of its names (compressions, by-hash) is parsed once per content, checked through a real node
/// and the real nginx mirror by counting the ingestor's "Indexed" lines.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class IndexOnceTests(MirrorFixture fixture)
{
    private const string PackagesDirectory = "dists/stable/main/binary-amd64/";
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_compression_and_the_by_hash_name_of_one_index_are_indexed_once()
    {
        await using var node = await AptP2PNode.StartAsync();
        await FetchReleaseAsync(node, fixture.Mirror, releases: 1);
        var xzByHash = "by-hash/SHA256/" + FileAssert.Sha256Of(fixture.Repository.PathOf(PackagesDirectory + "Packages.xz"));

        foreach (var name in new[] { "Packages.gz", "Packages.xz", "Packages.gz", "Packages", xzByHash, "Packages.xz" })
            await FetchTwiceAsync(node, fixture.Mirror, fixture.Repository, name);
        await node.Get<DatabaseWriter>().FlushAsync(Ct);

        Assert.Single(PackagesIndexings(node));
    }

    [Fact]
    public async Task A_restarted_node_knows_the_index_it_read_under_another_compression()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-index-once-").FullName;
        try
        {
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                await FetchReleaseAsync(node, fixture.Mirror, releases: 1);
                await FetchTwiceAsync(node, fixture.Mirror, fixture.Repository, "Packages.gz");
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
                Assert.Single(PackagesIndexings(node));
            }

            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                await FetchTwiceAsync(node, fixture.Mirror, fixture.Repository, "Packages.xz");
                await FetchTwiceAsync(node, fixture.Mirror, fixture.Repository, "Packages");
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
                Assert.Empty(PackagesIndexings(node));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_new_Release_with_other_Packages_is_indexed_again()
    {
        // A repository of its own: the shared one keeps its package list.
        using var repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions { BigPackagePayloadBytes = 1024 * 1024 }, Ct);
        await using var mirror = new NginxMirror(repository.Root);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        await FetchReleaseAsync(node, mirror, releases: 1);
        await FetchTwiceAsync(node, mirror, repository, "Packages.gz");
        await FetchTwiceAsync(node, mirror, repository, "Packages.xz");
        await node.Get<DatabaseWriter>().FlushAsync(Ct);
        Assert.Single(PackagesIndexings(node));

        var added = await repository.AddPackageAsync("aptp2p-added", "2.0", 100_000, Ct);
        await FetchReleaseAsync(node, mirror, releases: 2);
        await FetchTwiceAsync(node, mirror, repository, "Packages.xz");
        await FetchTwiceAsync(node, mirror, repository, "Packages.gz");
        await node.Get<DatabaseWriter>().FlushAsync(Ct);

        Assert.Equal(2, PackagesIndexings(node).Count());
        var addedUrl = ProxyTargetParser.Parse($"/{mirror.HostPort}/{added.PoolPath}").Url!;
        Assert.Equal(ContentHash.Parse(added.Sha256), node.Get<HashIndex>().Find(addedUrl)?.Hash);
    }

    /// <summary>Fetches the InRelease through the node and waits until it is indexed for the <paramref name="releases"/>th time.</summary>
    private static async Task FetchReleaseAsync(AptP2PNode node, NginxMirror mirror, int releases)
    {
        var response = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/dists/stable/InRelease");
        Assert.Equal(200, response.Status);
        await node.Logs.WaitForAsync($"Indexed {mirror.HostPort}/dists/stable/InRelease", releases, LogWait);
    }

    /// <summary>
    /// Fetches a file of the Packages directory twice: the second answer comes from the cache, which hands the file to the
    /// ingestor before it answers, so an indexing run it causes is queued before the database writer's flush that follows.
    /// </summary>
    private static async Task FetchTwiceAsync(AptP2PNode node, NginxMirror mirror, DebianRepository repository, string name)
    {
        var expected = await File.ReadAllBytesAsync(repository.PathOf(PackagesDirectory + name), Ct);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/{PackagesDirectory}{name}");
            Assert.Equal(200, response.Status);
            Assert.Equal(expected, response.Body);
        }
    }

    private static IEnumerable<LogCollector.LogLine> PackagesIndexings(AptP2PNode node) =>
        node.Logs.Matching("Indexed ").Where(l => l.Message.Contains("/" + PackagesDirectory + "Packages", StringComparison.Ordinal));
}
