using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Proxy;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

[Collection(MirrorCollection.Name)]
public sealed class FlatRepositoryTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flat_repository_is_indexed_and_its_files_cached_by_hash()
    {
        var hello = fixture.Repository.Package("hello");
        var flat = fixture.Repository.PathOf("flat");
        Directory.CreateDirectory(flat);
        File.Copy(fixture.Repository.PathOf(hello.PoolPath), Path.Combine(flat, Path.GetFileName(hello.PoolPath)), overwrite: true);
        await ProcessRunner.RunAsync(new ProcessSpec("sh", ["-c", "apt-ftparchive packages . > Packages && gzip -kf Packages && apt-ftparchive release . > Release"]) { WorkingDirectory = flat }, Ct);
        await ProcessRunner.RunAsync("chmod", ["-R", "a+rX", flat], Ct);

        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
        await File.WriteAllTextAsync(Path.Combine(apt.Root, "etc/sources.list"), $"deb [trusted=yes] {node.PrefixFor(fixture.Mirror.HostPort)}flat ./\n", Ct);

        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);

        var url = ProxyTargetParser.Parse($"/{fixture.Mirror.HostPort}/flat/{Path.GetFileName(hello.PoolPath)}").Url!;
        Assert.Equal(ContentHash.Parse(hello.Sha256), node.Get<HashIndex>().Find(url)?.Hash);
        Assert.True(node.Get<ContentStore>().Contains(ContentHash.Parse(hello.Sha256)));
        AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(hello.PoolPath), apt.ArchivePathOf(hello));
    }
}
