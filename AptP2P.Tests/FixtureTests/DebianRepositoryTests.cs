using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.FixtureTests;

[Collection(MirrorCollection.Name)]
public sealed class DebianRepositoryTests(MirrorFixture fixture)
{
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    private DebianRepository Repository => fixture.Repository;

    [Fact]
    public void Repository_is_indexed_like_debian()
    {
        var dists = Repository.PathOf("dists/stable");
        foreach (var index in new[]
        {
            "InRelease", "Release", "Release.gpg",
            "main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz",
            "main/source/Sources", "main/source/Sources.gz", "main/source/Sources.xz",
            "main/i18n/Translation-en", "main/i18n/Translation-en.xz",
            "main/Contents-amd64", "main/Contents-amd64.gz",
        })
        {
            Assert.True(new FileInfo(Path.Combine(dists, index)).Length > 0, $"{index} is missing or empty");
        }
        var release = File.ReadAllText(Path.Combine(dists, "Release"));
        Assert.Contains("Acquire-By-Hash: yes", release, StringComparison.Ordinal);
        Assert.Contains("\nMD5Sum:", release, StringComparison.Ordinal);
        Assert.Contains("\nSHA256:", release, StringComparison.Ordinal);
        Assert.DoesNotContain("SHA512:", release, StringComparison.Ordinal);
        Assert.DoesNotContain("SHA1:", release, StringComparison.Ordinal);
        var packagesHash = FileAssert.Sha256Of(Path.Combine(dists, "main/binary-amd64/Packages.xz"));
        FileAssert.SameBytes(Path.Combine(dists, "main/binary-amd64/Packages.xz"), Path.Combine(dists, "main/binary-amd64/by-hash/SHA256", packagesHash));
    }

    [Fact]
    public void Repository_holds_real_debs_in_pool_layout_plus_the_big_and_source_packages()
    {
        Assert.Equal(
            ["aptp2p-big", "figlet", "fortune-mod", "fortunes-min", "hello", "librecode0", "tree"],
            Repository.Packages.Select(p => p.Name));
        Assert.Equal("pool/main/r/recode/librecode0_3.6-25_amd64.deb", Repository.Package("librecode0").PoolPath);
        Assert.StartsWith("pool/main/f/fortune-mod/fortune-mod_1.99", Repository.Package("fortune-mod").PoolPath, StringComparison.Ordinal);
        Assert.StartsWith("1:", Repository.Package("fortune-mod").Version, StringComparison.Ordinal);
        foreach (var package in Repository.Packages)
        {
            Assert.Equal(package.Size, new FileInfo(Repository.PathOf(package.PoolPath)).Length);
            Assert.Equal(package.Sha256, FileAssert.Sha256Of(Repository.PathOf(package.PoolPath)));
            Assert.True(File.GetUnixFileMode(Repository.PathOf(package.PoolPath)).HasFlag(UnixFileMode.OtherRead));
        }
        Assert.InRange(Repository.BigPackage.Size, 24L * 1024 * 1024, 24L * 1024 * 1024 + 64 * 1024);
        Assert.Equal("pool/main/a/aptp2p-big/aptp2p-big_1.0_all.deb", Repository.BigPackage.PoolPath);
        Assert.Equal(
            ["pool/main/a/aptp2p-hello-src/aptp2p-hello-src_1.0.dsc", "pool/main/a/aptp2p-hello-src/aptp2p-hello-src_1.0.tar.xz"],
            Repository.SourceFiles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Release_signatures_verify_with_the_exported_keyring()
    {
        var gpgv = Prerequisites.Require("gpgv");
        var dists = Repository.PathOf("dists/stable");

        var inline = await ProcessRunner.RunUncheckedAsync(new ProcessSpec(gpgv, ["--keyring", Repository.KeyringPath, Path.Combine(dists, "InRelease")]), _cancellationToken);
        var detached = await ProcessRunner.RunUncheckedAsync(
            new ProcessSpec(gpgv, ["--keyring", Repository.KeyringPath, Path.Combine(dists, "Release.gpg"), Path.Combine(dists, "Release")]), _cancellationToken);

        Assert.True(inline.ExitCode == 0, inline.Output);
        Assert.True(detached.ExitCode == 0, detached.Output);
        Assert.Contains("Good signature", inline.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Corruption_keeps_the_size_and_restore_puts_the_bytes_back()
    {
        var hello = Repository.Package("hello");
        var path = Repository.PathOf(hello.PoolPath);
        var lastWrite = File.GetLastWriteTimeUtc(path);

        string corruptedHash;
        using (Repository.CorruptFile(hello.PoolPath))
        {
            corruptedHash = FileAssert.Sha256Of(path);
            Assert.Equal(hello.Size, new FileInfo(path).Length);
        }

        Assert.NotEqual(hello.Sha256, corruptedHash);
        Assert.Equal(hello.Sha256, FileAssert.Sha256Of(path));
        Assert.Equal(lastWrite, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public async Task Added_package_is_installable_after_the_indexes_are_regenerated()
    {
        // A repository of its own, so the shared one keeps its package list.
        using var repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions { BigPackagePayloadBytes = 1024 * 1024 }, _cancellationToken);
        await using var mirror = new NginxMirror(repository.Root);
        await mirror.StartAsync(_cancellationToken);
        using var apt = new AptClient(repository, mirror.BaseUri);
        Assert.True((await apt.UpdateAsync(_cancellationToken)).Succeeded);

        var added = await repository.AddPackageAsync("aptp2p-added", "2.0", 100_000, _cancellationToken);
        var update = await apt.UpdateAsync(_cancellationToken);
        var install = await apt.InstallDownloadOnlyAsync(["aptp2p-added"], _cancellationToken);

        Assert.Contains("Get:1", update.Output, StringComparison.Ordinal);
        Assert.True(install.Succeeded, install.ToString());
        FileAssert.SameBytes(repository.PathOf(added.PoolPath), apt.ArchivePathOf(added));
        Assert.Contains(added, repository.Packages);
    }
}
