using System.Security.Cryptography;
using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Http;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

/// <summary>A real apt-get, through a real AptP2P node, against a real signed repository on nginx.</summary>
[Collection(MirrorCollection.Name)]
public sealed class AptThroughProxyTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName];

    [Fact]
    public async Task Apt_updates_installs_and_fetches_sources_through_the_url_prefix()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));

        await AssertInstallsAndSourcesAsync(node, apt);
    }

    [Fact]
    public async Task Apt_works_the_same_in_http_proxy_mode()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(extraConfig: [$"Acquire::http::Proxy \"{node.BaseUri}\";"]);

        await AssertInstallsAndSourcesAsync(node, apt);
    }

    [Fact]
    public async Task With_the_mirror_down_apt_updates_from_last_good_copies_and_installs_from_the_cache()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort)));
        AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AssertSucceeded(await apt.InstallDownloadOnlyAsync(InstallSet), node);

        await mirror.StopAsync(Ct);
        apt.WipeState();

        AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AssertSucceeded(await apt.InstallDownloadOnlyAsync(InstallSet), node);
        foreach (var name in InstallSet)
            AssertSameFile(fixture.Repository.PathOf(fixture.Repository.Package(name).PoolPath), apt.ArchivePathOf(fixture.Repository.Package(name)));
        Assert.Contains(node.Logs.Lines, l => l.Message.Contains("serving the last good copy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupted_deb_from_the_mirror_is_never_cached_and_apt_recovers_once_the_mirror_is_fixed()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)), ["Acquire::Retries \"1\";"]);
        AssertSucceeded(await apt.UpdateAsync(Ct), node);
        var tree = fixture.Repository.Package("tree");
        var store = node.Get<ContentStore>();

        using (fixture.Repository.CorruptFile(tree.PoolPath))
        {
            var failed = await apt.InstallDownloadOnlyAsync("tree");

            Assert.NotEqual(0, failed.ExitCode);
            Assert.DoesNotContain("Hash Sum mismatch", failed.Output, StringComparison.Ordinal);
            Assert.False(store.Contains(ContentHash.Parse(tree.Sha256)));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.DataDirectory, "partial")));
            Assert.Contains(node.Logs.Lines, l => l.Message.Contains("Hash mismatch", StringComparison.Ordinal));
            Assert.False(File.Exists(apt.ArchivePathOf(tree)));
        }

        var fixedRun = await apt.InstallDownloadOnlyAsync("tree");

        AssertSucceeded(fixedRun, node);
        AssertSameFile(fixture.Repository.PathOf(tree.PoolPath), apt.ArchivePathOf(tree));
        Assert.True(store.Contains(ContentHash.Parse(tree.Sha256)));
    }

    [Fact]
    public async Task Cache_hits_do_not_contact_the_mirror_and_replay_its_Last_Modified()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
        AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);
        var hello = fixture.Repository.Package("hello");
        var target = $"/{fixture.Mirror.HostPort}/{hello.PoolPath}";
        var direct = await RawHttp.SendAsync(fixture.Mirror.BaseUri, "HEAD", "/" + hello.PoolPath);
        // nginx logs a request just after answering it: the HEAD's line must be in before the log is cleared.
        await fixture.Mirror.WaitForRequestsAsync(e => e.Method == "HEAD" && e.Path.Contains("hello", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(10), Ct);
        fixture.Mirror.ClearAccessLog();

        var hit = await RawHttp.SendAsync(node.BaseUri, "GET", target);

        Assert.Equal(200, hit.Status);
        Assert.Equal(hello.Sha256, Convert.ToHexStringLower(SHA256.HashData(hit.Body)));
        Assert.Equal(direct.Header("Last-Modified"), hit.Header("Last-Modified"));
        Assert.Equal(hello.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), hit.Header("Content-Length"));
        Assert.Null(hit.Header("Content-Encoding"));
        Assert.Null(hit.Header("Connection"));
        Assert.Equal(0, fixture.Mirror.CountRequests(e => e.Path.Contains("hello", StringComparison.Ordinal)));
    }

    private async Task AssertInstallsAndSourcesAsync(AptP2PNode node, AptClient apt)
    {
        AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AssertSucceeded(await apt.InstallDownloadOnlyAsync(InstallSet), node);
        var sourceDir = Directory.CreateTempSubdirectory("aptp2p-src-").FullName;
        try
        {
            AssertSucceeded(await apt.SourceDownloadOnlyAsync(fixture.Repository.SourcePackageName, sourceDir, Ct), node);
            foreach (var file in fixture.Repository.SourceFiles)
                AssertSameFile(fixture.Repository.PathOf(file), Path.Combine(sourceDir, Path.GetFileName(file)));
        }
        finally
        {
            Directory.Delete(sourceDir, recursive: true);
        }

        var store = node.Get<ContentStore>();
        foreach (var name in InstallSet)
        {
            var package = fixture.Repository.Package(name);
            AssertSameFile(fixture.Repository.PathOf(package.PoolPath), apt.ArchivePathOf(package));
            Assert.True(store.Contains(ContentHash.Parse(package.Sha256)), $"{name} is not in the cache");
        }
        foreach (var file in fixture.Repository.SourceFiles)
            Assert.True(store.Contains(ContentHash.Parse(Sha256Of(fixture.Repository.PathOf(file)))), $"{file} is not in the cache");
    }

    internal static void AssertSucceeded(AptResult result, AptP2PNode node) =>
        Assert.True(result.Succeeded, $"{result}\n--- node log ---\n{node.Logs}");

    internal static void AssertSameFile(string expected, string actual)
    {
        Assert.True(File.Exists(actual), $"{actual} does not exist");
        Assert.Equal(Sha256Of(expected), Sha256Of(actual));
    }

    internal static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
