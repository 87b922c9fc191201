using System.Security.Cryptography;
using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Tests.Apt;

/// <summary>
/// Builds a small repository with Debian's own tools (dpkg-deb, apt-ftparchive, gpg) and checks
/// that every entry we read names a file that exists with exactly that hash and size.
/// </summary>
public sealed class AptFtparchiveTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aptp2p-ftparchive-").FullName;

    private string Archive => Path.Combine(_root, "debian");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Every_entry_of_a_generated_repository_names_a_real_file_with_its_hash_and_size()
    {
        BuildRepository();

        var entries = new List<IndexedFile>();
        foreach (var index in new[]
        {
            "debian/dists/stable/InRelease",
            "debian/dists/stable/Release",
            "debian/dists/stable/main/binary-amd64/Packages.xz",
            "debian/dists/stable/main/binary-amd64/Packages.gz",
            "debian/dists/stable/main/source/Sources.xz",
        })
        {
            using var raw = File.OpenRead(Path.Combine(_root, index));
            using var result = MetadataReader.Read(MetadataFile.Classify(index)!, raw, TestContext.Current.CancellationToken);
            entries.AddRange(result.Entries);
            Assert.True(result.Stats.Completed, $"{index}: {result.Stats.Error}");
            Assert.Equal(0, result.Stats.SkippedEntries);
            Assert.Equal(0, result.Stats.MalformedLines);
        }

        List<IndexedFile> real = [.. entries.Where(e => !e.Path.Contains("/by-hash/", StringComparison.Ordinal))];
        Assert.Contains(real, e => e.Path == "debian/pool/main/h/hello-p2p/hello-p2p_1.0-1_amd64.deb");
        Assert.Contains(real, e => e.Path == "debian/pool/main/libf/libfoo++/libfoo++1_2.0_amd64.deb");
        Assert.Contains(real, e => e.Path == "debian/pool/main/h/hello-p2p/hello-p2p_1.0.orig.tar.gz");
        Assert.Contains(real, e => e.Path == "debian/pool/main/h/hello-p2p/hello-p2p_1.0-1.dsc");
        Assert.Contains(real, e => e.Path == "debian/dists/stable/main/binary-amd64/Packages.xz");
        Assert.All(real, entry =>
        {
            var content = File.ReadAllBytes(Path.Combine(_root, entry.Path));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), entry.Sha256);
            Assert.Equal(content.Length, entry.Size);
        });

        List<IndexedFile> byHash = [.. entries.Where(e => e.Path.Contains("/by-hash/", StringComparison.Ordinal))];
        Assert.Equal(real.Count(e => e.Path.StartsWith("debian/dists/", StringComparison.Ordinal)), byHash.Count);
        Assert.Contains(new IndexedFile(
            $"debian/dists/stable/main/binary-amd64/by-hash/SHA256/{Sha256Of("debian/dists/stable/main/binary-amd64/Packages.xz")}",
            Sha256Of("debian/dists/stable/main/binary-amd64/Packages.xz"),
            new FileInfo(Path.Combine(_root, "debian/dists/stable/main/binary-amd64/Packages.xz")).Length), byHash);
    }

    [Fact]
    public void The_Release_header_of_a_generated_repository_is_read()
    {
        BuildRepository();
        const string Index = "debian/dists/stable/InRelease";

        using var raw = File.OpenRead(Path.Combine(_root, Index));
        using var result = MetadataReader.Read(MetadataFile.Classify(Index)!, raw, TestContext.Current.CancellationToken);

        Assert.Equal("stable", result.Release!.Suite);
        Assert.Equal("trixie", result.Release.Codename);
        Assert.True(result.Release.AcquireByHash);
        Assert.NotNull(result.Release.Date);
        Assert.InRange(result.Release.Date.Value, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(result.Release.Date.Value.AddDays(7), result.Release.ValidUntil);
    }

    private string Sha256Of(string mirrorPath) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, mirrorPath))));

    private void BuildRepository()
    {
        BuildDeb("hello-p2p", "1:1.0-1", "pool/main/h/hello-p2p/hello-p2p_1.0-1_amd64.deb");
        BuildDeb("libfoo++1", "2.0", "pool/main/libf/libfoo++/libfoo++1_2.0_amd64.deb");
        BuildSource();

        var binary = Path.Combine(Archive, "dists/stable/main/binary-amd64");
        var source = Path.Combine(Archive, "dists/stable/main/source");
        Directory.CreateDirectory(binary);
        Directory.CreateDirectory(source);
        var packages = SystemTool.Run("apt-ftparchive", "packages pool", workingDirectory: Archive);
        File.WriteAllBytes(Path.Combine(binary, "Packages"), packages);
        File.WriteAllBytes(Path.Combine(binary, "Packages.gz"), SystemTool.Run("gzip", "-9nc", packages));
        File.WriteAllBytes(Path.Combine(binary, "Packages.xz"), SystemTool.Run("xz", "-c", packages));
        var sources = SystemTool.Run("apt-ftparchive", "sources pool", workingDirectory: Archive);
        File.WriteAllBytes(Path.Combine(source, "Sources.xz"), SystemTool.Run("xz", "-c", sources));

        var release = SystemTool.Run(
            "apt-ftparchive",
            "-o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename=trixie "
            + "-o APT::FTPArchive::Release::Acquire-By-Hash=yes -o APT::FTPArchive::Release::ValidTime=604800 release dists/stable",
            workingDirectory: Archive);
        File.WriteAllBytes(Path.Combine(Archive, "dists/stable/Release"), release);
        File.WriteAllBytes(Path.Combine(Archive, "dists/stable/InRelease"), ClearSign(release));
    }

    private void BuildDeb(string package, string version, string poolPath)
    {
        var tree = Path.Combine(_root, "build", package);
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/share/doc", package));
        File.WriteAllText(Path.Combine(tree, "usr/share/doc", package, "README"), $"{package} says hi\n");
        File.WriteAllText(Path.Combine(tree, "DEBIAN/control"), $"""
            Package: {package}
            Version: {version}
            Architecture: amd64
            Maintainer: Test <test@example.org>
            Description: test package {package}
             A longer description
             .
             - with a line starting with a dash

            """);
        var target = Path.Combine(Archive, poolPath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        SystemTool.Run("dpkg-deb", $"--root-owner-group -Zgzip --build \"{tree}\" \"{target}\"");
    }

    private void BuildSource()
    {
        var dir = Path.Combine(Archive, "pool/main/h/hello-p2p");
        var orig = SystemTool.Run("gzip", "-nc", Encoding.UTF8.GetBytes("original source\n"));
        File.WriteAllBytes(Path.Combine(dir, "hello-p2p_1.0.orig.tar.gz"), orig);
        File.WriteAllText(Path.Combine(dir, "hello-p2p_1.0-1.dsc"), $"""
            Format: 3.0 (quilt)
            Source: hello-p2p
            Binary: hello-p2p
            Architecture: any
            Version: 1:1.0-1
            Maintainer: Test <test@example.org>
            Checksums-Sha256:
             {Convert.ToHexStringLower(SHA256.HashData(orig))} {orig.Length} hello-p2p_1.0.orig.tar.gz

            """);
    }

    /// <summary>Clear-signs with a throwaway key, as an archive's InRelease is.</summary>
    private byte[] ClearSign(byte[] release)
    {
        var home = Path.Combine(_root, "gnupg");
        Directory.CreateDirectory(home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            SystemTool.Run("gpg", $"--homedir \"{home}\" --batch --passphrase \"\" --quick-gen-key \"Test Archive <archive@example.org>\" ed25519 sign never");
            return SystemTool.Run("gpg", $"--homedir \"{home}\" --batch --clearsign", release);
        }
        finally
        {
            SystemTool.Run("gpgconf", $"--homedir \"{home}\" --kill all");
        }
    }
}
