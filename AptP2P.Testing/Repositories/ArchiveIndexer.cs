using System.IO.Compression;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Repositories;

/// <summary>
/// Writes a repository's indexes the way Debian publishes them, with apt-ftparchive: Packages{,.gz,.xz},
/// Sources{,.gz,.xz}, Translation-en{,.xz}, Contents-ARCH{,.gz}, and a Release with MD5Sum + SHA256 only,
/// <c>Acquire-By-Hash: yes</c> and by-hash copies.
/// </summary>
internal sealed class ArchiveIndexer
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly string _repositoryRoot;
    private readonly string _workDirectory;

    public ArchiveIndexer(string repositoryRoot, string workDirectory, string suite, string component, string architecture)
    {
        _repositoryRoot = repositoryRoot;
        _workDirectory = workDirectory;
        Suite = suite;
        Component = component;
        Architecture = architecture;
    }

    public string Suite { get; }

    public string Component { get; }

    public string Architecture { get; }

    /// <summary>Synthetic stanzas (<see cref="SyntheticPackages"/>) appended to the binary Packages index before the Release is written.</summary>
    public int SyntheticStanzas { get; init; }

    public string DistsDirectory => Path.Combine(_repositoryRoot, "dists", Suite);

    public string PackagesIndexPath => Path.Combine(DistsDirectory, Component, $"binary-{Architecture}", "Packages");

    public string ReleasePath => Path.Combine(DistsDirectory, "Release");

    public async Task GenerateAsync(CancellationToken cancellationToken)
    {
        var ftparchive = Prerequisites.Require("apt-ftparchive");
        foreach (var directory in new[] { $"binary-{Architecture}", "source", "i18n" })
        {
            Directory.CreateDirectory(Path.Combine(DistsDirectory, Component, directory));
        }
        // A Release left from an earlier run would be listed inside the new one.
        foreach (var signed in new[] { "Release", "InRelease", "Release.gpg" })
        {
            File.Delete(Path.Combine(DistsDirectory, signed));
        }

        // Without Dir::CacheDir apt-ftparchive puts its database at /packages-ARCH.db.
        var config = Path.Combine(_workDirectory, "ftparchive.conf");
        await File.WriteAllTextAsync(config, $$"""
            Dir { ArchiveDir "{{_repositoryRoot}}"; CacheDir "{{_workDirectory}}"; };
            Default {
              Packages::Compress ". gzip xz";
              Sources::Compress ". gzip xz";
              Translation::Compress ". xz";
              Contents::Compress ". gzip";
              LongDescription "false";
            };
            TreeDefault {
              Directory "pool/$(SECTION)";
              SrcDirectory "pool/$(SECTION)";
              Packages "$(DIST)/$(SECTION)/binary-$(ARCH)/Packages";
              Sources "$(DIST)/$(SECTION)/source/Sources";
              Contents "$(DIST)/$(SECTION)/Contents-$(ARCH)";
              Translation "$(DIST)/$(SECTION)/i18n/Translation-en";
            };
            Tree "dists/{{Suite}}" { Sections "{{Component}}"; Architectures "{{Architecture}} source"; };

            """, cancellationToken);

        var generate = await RunAsync(ftparchive,
        [
            "-q",
            "-o", "APT::FTPArchive::Packages::SHA1=false", "-o", "APT::FTPArchive::Packages::SHA512=false",
            "-o", "APT::FTPArchive::Sources::SHA1=false", "-o", "APT::FTPArchive::Sources::SHA512=false",
            "generate", config,
        ], cancellationToken);
        // apt-ftparchive exits 0 even after printing "E: ..." (e.g. an unwritable database), leaving empty indexes.
        var contents = Path.Combine(DistsDirectory, Component, $"Contents-{Architecture}");
        if (generate.Output.Contains("E: ", StringComparison.Ordinal) || !File.Exists(contents) || new FileInfo(contents).Length == 0)
        {
            throw new InvalidOperationException($"apt-ftparchive generate did not produce the indexes:{Environment.NewLine}{generate.Output}");
        }

        if (SyntheticStanzas > 0)
        {
            await AppendSyntheticStanzasAsync(cancellationToken);
        }

        var release = await RunAsync(ftparchive,
        [
            "-o", "APT::FTPArchive::Release::Origin=AptP2P-Test",
            "-o", "APT::FTPArchive::Release::Label=AptP2P-Test",
            "-o", $"APT::FTPArchive::Release::Suite={Suite}",
            "-o", $"APT::FTPArchive::Release::Codename={Suite}",
            "-o", $"APT::FTPArchive::Release::Architectures={Architecture}",
            "-o", $"APT::FTPArchive::Release::Components={Component}",
            "-o", "APT::FTPArchive::Release::SHA1=false", "-o", "APT::FTPArchive::Release::SHA512=false",
            "-o", "APT::FTPArchive::DoByHash=true",
            "release", $"dists/{Suite}",
        ], cancellationToken);
        await File.WriteAllTextAsync(ReleasePath, release.StandardOutput, cancellationToken);
    }

    /// <summary>A Packages index the size of a real archive's, with every compression written again from it.</summary>
    private async Task AppendSyntheticStanzasAsync(CancellationToken cancellationToken)
    {
        var packages = PackagesIndexPath;
        await using (var file = new FileStream(packages, FileMode.Append))
        {
            // Stanzas are separated by one blank line.
            file.Write(file.Length == 0 || EndsWithBlankLine(packages) ? [] : "\n"u8);
            SyntheticPackages.Write(file, SyntheticStanzas);
        }
        await using (var plain = File.OpenRead(packages))
        await using (var gzip = new GZipStream(File.Create(packages + ".gz"), CompressionLevel.Fastest))
        {
            await plain.CopyToAsync(gzip, cancellationToken);
        }
        await RunAsync(Prerequisites.Require("xz"), ["-1", "-T1", "--force", "--keep", packages], cancellationToken);
    }

    private static bool EndsWithBlankLine(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length < 2)
        {
            return false;
        }
        file.Seek(-2, SeekOrigin.End);
        return file.ReadByte() == '\n' && file.ReadByte() == '\n';
    }

    private Task<ProcessResult> RunAsync(string program, string[] arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(
            new ProcessSpec(program, arguments)
            {
                WorkingDirectory = _repositoryRoot,
                Timeout = Timeout,
                Environment = new Dictionary<string, string?> { ["LC_ALL"] = "C", ["APT_CONFIG"] = null },
            },
            cancellationToken);
}
