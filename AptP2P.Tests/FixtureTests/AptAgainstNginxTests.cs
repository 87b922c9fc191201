using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.FixtureTests;

[Collection(MirrorCollection.Name)]
public sealed class AptAgainstNginxTests(MirrorFixture fixture)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(5);
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apt_installs_packages_straight_from_nginx()
    {
        using var apt = fixture.CreateClient();

        var update = await apt.UpdateAsync(_cancellationToken);
        var install = await apt.InstallDownloadOnlyAsync(["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName], _cancellationToken);

        Assert.True(update.Succeeded, update.ToString());
        Assert.DoesNotContain("W: ", update.Output, StringComparison.Ordinal);
        Assert.True(install.Succeeded, install.ToString());
        // fortunes-min and librecode0 come in as Recommends/Depends of fortune-mod.
        foreach (var package in fixture.Repository.Packages)
        {
            FileAssert.SameBytes(fixture.Repository.PathOf(package.PoolPath), apt.ArchivePathOf(package));
            Assert.Equal(package.Sha256, FileAssert.Sha256Of(apt.ArchivePathOf(package)));
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"repository build {fixture.Repository.BuildTime.TotalSeconds:0.00} s, apt-get update {update.Elapsed.TotalSeconds:0.00} s, install --download-only {install.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task Apt_downloads_the_source_package_straight_from_nginx()
    {
        using var apt = fixture.CreateClient();
        var target = Path.Combine(apt.Root, "source");

        var update = await apt.UpdateAsync(_cancellationToken);
        var source = await apt.SourceDownloadOnlyAsync(fixture.Repository.SourcePackageName, target, _cancellationToken);

        Assert.True(update.Succeeded, update.ToString());
        Assert.True(source.Succeeded, source.ToString());
        Assert.Equal(2, fixture.Repository.SourceFiles.Count);
        foreach (var file in fixture.Repository.SourceFiles)
        {
            FileAssert.SameBytes(fixture.Repository.PathOf(file), Path.Combine(target, Path.GetFileName(file)));
        }
    }

    [Fact]
    public async Task Access_log_records_what_apt_requested()
    {
        using var apt = fixture.CreateClient();
        var tree = fixture.Repository.Package("tree");
        fixture.Mirror.ClearAccessLog();

        await apt.UpdateAsync(_cancellationToken);
        await apt.InstallDownloadOnlyAsync(["tree"], _cancellationToken);
        var secondUpdate = await apt.UpdateAsync(_cancellationToken);

        var deb = Assert.Single(await fixture.Mirror.WaitForRequestsAsync(e => e.Path == "/" + tree.PoolPath, 1, LogWait, _cancellationToken));
        Assert.Equal(("GET", 200, tree.Size), (deb.Method, deb.Status, deb.BodyBytes));
        Assert.Null(deb.Range);
        var inReleases = await fixture.Mirror.WaitForRequestsAsync(e => e.Path == "/dists/stable/InRelease", 2, LogWait, _cancellationToken);
        Assert.Equal(200, inReleases[0].Status);
        Assert.Null(inReleases[0].IfModifiedSince);
        Assert.Equal(304, inReleases[1].Status);
        Assert.NotNull(inReleases[1].IfModifiedSince);
        Assert.Contains("Hit:", secondUpdate.Output, StringComparison.Ordinal);
        // Indexes come by hash, because the Release says Acquire-By-Hash: yes.
        Assert.Contains(fixture.Mirror.ReadAccessLog(), e => e.Path.StartsWith("/dists/stable/main/binary-amd64/by-hash/SHA256/", StringComparison.Ordinal) && e.Status == 200);
        Assert.Contains(fixture.Mirror.ReadAccessLog(), e => e.Path.StartsWith("/dists/stable/main/source/by-hash/SHA256/", StringComparison.Ordinal) && e.Status == 200);
        Assert.Contains(fixture.Mirror.ReadAccessLog(), e => e.Path.StartsWith("/dists/stable/main/by-hash/SHA256/", StringComparison.Ordinal) && e.Status == 200);
        Assert.Equal(1, fixture.Mirror.CountRequests(e => e.Path == "/" + tree.PoolPath));
        Assert.All(fixture.Mirror.ReadAccessLog(), e => Assert.True(e.ConnectionId > 0 && e.ConnectionRequestNumber > 0));
    }

    [Fact]
    public async Task Corrupted_deb_gives_hash_sum_mismatch_until_it_is_restored()
    {
        using var apt = fixture.CreateClient(extraConfig: ["Acquire::Retries \"0\";"]);
        var tree = fixture.Repository.Package("tree");
        await apt.UpdateAsync(_cancellationToken);

        AptResult broken;
        using (fixture.Repository.CorruptFile(tree.PoolPath))
        {
            Assert.Equal(tree.Size, new FileInfo(fixture.Repository.PathOf(tree.PoolPath)).Length);
            broken = await apt.InstallDownloadOnlyAsync(["tree"], _cancellationToken);
        }
        var repaired = await apt.InstallDownloadOnlyAsync(["tree"], _cancellationToken);

        Assert.Equal(100, broken.ExitCode);
        Assert.Contains("Hash Sum mismatch", broken.Output, StringComparison.Ordinal);
        Assert.True(repaired.Succeeded, repaired.ToString());
        Assert.Equal(tree.Sha256, FileAssert.Sha256Of(apt.ArchivePathOf(tree)));
    }

    [Fact]
    public async Task Stopped_nginx_refuses_apt_and_a_restart_brings_it_back()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root);
        await mirror.StartAsync(_cancellationToken);
        using var apt = fixture.CreateClient(mirror.BaseUri, ["Acquire::Retries \"0\";"]);
        var port = mirror.Port;
        Assert.True((await apt.UpdateAsync(_cancellationToken)).Succeeded);

        await mirror.StopAsync(_cancellationToken);
        var whileStopped = await apt.InstallDownloadOnlyAsync(["hello"], _cancellationToken);
        await mirror.RestartAsync(_cancellationToken);
        var afterRestart = await apt.InstallDownloadOnlyAsync(["hello"], _cancellationToken);

        Assert.NotEqual(0, whileStopped.ExitCode);
        Assert.Contains("Connection refused", whileStopped.Output, StringComparison.Ordinal);
        Assert.Equal(port, mirror.Port);
        Assert.True(afterRestart.Succeeded, afterRestart.ToString());
        FileAssert.SameBytes(fixture.Repository.PathOf(fixture.Repository.Package("hello").PoolPath), apt.ArchivePathOf(fixture.Repository.Package("hello")));
    }

    [Fact]
    public async Task Wiped_client_downloads_everything_again()
    {
        using var apt = fixture.CreateClient();
        await apt.UpdateAsync(_cancellationToken);
        await apt.InstallDownloadOnlyAsync(["hello"], _cancellationToken);
        fixture.Mirror.ClearAccessLog();

        apt.WipeState();
        var update = await apt.UpdateAsync(_cancellationToken);
        var install = await apt.InstallDownloadOnlyAsync(["hello"], _cancellationToken);

        Assert.True(update.Succeeded, update.ToString());
        Assert.True(install.Succeeded, install.ToString());
        var inRelease = Assert.Single(await fixture.Mirror.WaitForRequestsAsync(e => e.Path == "/dists/stable/InRelease", 1, LogWait, _cancellationToken));
        Assert.Equal(200, inRelease.Status);
        var hello = fixture.Repository.Package("hello");
        await fixture.Mirror.WaitForRequestsAsync(e => e.Path == "/" + hello.PoolPath && e.Status == 200, 1, LogWait, _cancellationToken);
    }
}
