using System.Diagnostics;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Repositories;

/// <summary>How to build a <see cref="DebianRepository"/>.</summary>
public sealed record DebianRepositoryOptions
{
    /// <summary>Real packages fetched from Debian; all of them depend only on what any Debian system has.</summary>
    public IReadOnlyList<string> DebianPackages { get; init; } = ["hello", "figlet", "tree", "fortune-mod", "fortunes-min", "librecode0"];

    /// <summary>Size of the random payload of the synthetic <c>aptp2p-big</c> package.</summary>
    public long BigPackagePayloadBytes { get; init; } = 24L * 1024 * 1024;

    public string DownloadCacheDirectory { get; init; } = DebDownloadCache.DefaultDirectory;

    /// <summary>
    /// Small synthetic packages <c>aptp2p-extra-1</c> … <c>aptp2p-extra-N</c>, the i-th with i × <see cref="ExtraPackagePayloadBytes"/>
    /// of random payload: many real files of different sizes for concurrent transfers.
    /// </summary>
    public int ExtraPackages { get; init; }

    public long ExtraPackagePayloadBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Synthetic stanzas appended to the binary Packages index (<see cref="Apt.SyntheticPackages"/>), naming .debs that are
    /// not in the pool: an index the size of Debian's (about 60,000 stanzas for main/amd64) for what its parsing takes.
    /// </summary>
    public int SyntheticStanzas { get; init; }
}

/// <summary>
/// A real signed Debian repository (suite <c>stable</c>, component <c>main</c>, arch <c>amd64</c>) built in a fresh
/// temp directory from real .debs, a synthetic big package and a tiny source package, indexed and signed like Debian's.
/// </summary>
public sealed class DebianRepository : IDisposable
{
    public const string BigPackageName = "aptp2p-big";
    public const string BigPackageVersion = "1.0";
    public const string SourcePackage = "aptp2p-hello-src";
    public const string SourcePackageVersion = "1.0";
    public const string ExtraPackagePrefix = "aptp2p-extra-";

    private readonly TestPaths _paths;
    private IDisposable? _trusted;
    private readonly ArchiveIndexer _indexer;
    private readonly RepositorySigner _signer;

    private DebianRepository(TestPaths paths, ArchiveIndexer indexer, RepositorySigner signer, IReadOnlyList<string> sourceFiles)
    {
        _paths = paths;
        _indexer = indexer;
        _signer = signer;
        SourceFiles = sourceFiles;
    }

    /// <summary>The directory to serve: it holds <c>dists/</c> and <c>pool/</c>.</summary>
    public string Root => _paths.PathOf("repo");

    /// <summary>The repository's public key as a binary keyring, for <c>[signed-by=...]</c>.</summary>
    public string KeyringPath => _signer.KeyringPath;

    public string Suite => _indexer.Suite;

    public string Component => _indexer.Component;

    public string Architecture => _indexer.Architecture;

    /// <summary>Binary packages as the current Packages index lists them.</summary>
    public IReadOnlyList<RepoPackage> Packages { get; private set; } = [];

    public RepoPackage BigPackage => Package(BigPackageName);

    public string SourcePackageName { get; } = SourcePackage;

    /// <summary>The source package's .dsc and .tar.xz, relative to <see cref="Root"/>.</summary>
    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>How long <see cref="BuildAsync"/> took, download included.</summary>
    public TimeSpan BuildTime { get; private set; }

    public static async Task<DebianRepository> BuildAsync(DebianRepositoryOptions? options, CancellationToken cancellationToken)
    {
        options ??= new DebianRepositoryOptions();
        Prerequisites.RequireAll("apt-get", "apt-ftparchive", "dpkg-deb", "dpkg-source", "gpg", "gpg-agent", "gpgconf", "xz", "chmod");
        var stopwatch = Stopwatch.StartNew();
        var paths = TestPaths.Create("repo");
        try
        {
            var repositoryRoot = paths.CreateDirectory("repo");
            var work = paths.CreateDirectory("work");

            var debs = await new DebDownloadCache(options.DownloadCacheDirectory).EnsureAsync(options.DebianPackages, cancellationToken);
            foreach (var deb in debs)
            {
                await CopyIntoPoolAsync(deb, repositoryRoot, cancellationToken);
            }
            await PackageBuilders.BuildRandomPayloadDebAsync(
                BigPackageName, BigPackageVersion, options.BigPackagePayloadBytes, PoolDirectory(repositoryRoot, BigPackageName), work, cancellationToken);
            for (var i = 1; i <= options.ExtraPackages; i++)
            {
                var name = ExtraPackagePrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await PackageBuilders.BuildRandomPayloadDebAsync(
                    name, "1.0", i * options.ExtraPackagePayloadBytes, PoolDirectory(repositoryRoot, name), work, cancellationToken);
            }
            var sourceFiles = await PackageBuilders.BuildNativeSourcePackageAsync(
                SourcePackage, SourcePackageVersion, PoolDirectory(repositoryRoot, SourcePackage), work, cancellationToken);

            var signer = await RepositorySigner.CreateAsync(Path.Combine(work, "gnupg"), paths.PathOf("repo-key.gpg"), cancellationToken);
            var indexer = new ArchiveIndexer(repositoryRoot, work, "stable", "main", "amd64") { SyntheticStanzas = options.SyntheticStanzas };
            var repository = new DebianRepository(paths, indexer, signer, [.. sourceFiles.Select(f => Path.GetRelativePath(repositoryRoot, f))])
            {
                _trusted = TestKeyrings.Publish(signer.KeyringPath),
            };
            await repository.RegenerateIndexesAsync(cancellationToken);
            repository.BuildTime = stopwatch.Elapsed;
            return repository;
        }
        catch
        {
            paths.Dispose();
            throw;
        }
    }

    /// <summary>Absolute path of a file given relative to <see cref="Root"/> (e.g. a <see cref="RepoPackage.PoolPath"/>).</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    public RepoPackage Package(string name) =>
        Packages.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"The repository has no package {name}.");

    /// <summary>
    /// Flips a few bytes in the middle of the file, keeping its size. Dispose the result (or call
    /// <see cref="CorruptedFile.Restore"/>) to put back the original bytes and modification time.
    /// </summary>
    public CorruptedFile CorruptFile(string relativePath) => CorruptedFile.Corrupt(PathOf(relativePath));

    /// <summary>Builds a synthetic package into the pool and republishes the indexes, so the next apt update sees it.</summary>
    public async Task<RepoPackage> AddPackageAsync(string name, string version, long payloadBytes, CancellationToken cancellationToken)
    {
        await PackageBuilders.BuildRandomPayloadDebAsync(name, version, payloadBytes, PoolDirectory(Root, name), _paths.PathOf("work"), cancellationToken);
        await RegenerateIndexesAsync(cancellationToken);
        return Package(name);
    }

    /// <summary>Rewrites every index, Release, InRelease and Release.gpg from what is in <c>pool/</c> now.</summary>
    public async Task RegenerateIndexesAsync(CancellationToken cancellationToken)
    {
        var inRelease = Path.Combine(_indexer.DistsDirectory, "InRelease");
        DateTime? previousStamp = File.Exists(inRelease) ? File.GetLastWriteTimeUtc(inRelease) : null;

        await _indexer.GenerateAsync(cancellationToken);
        await _signer.SignAsync(_indexer.ReleasePath, cancellationToken);

        if (previousStamp is { } previous)
        {
            KeepLastModifiedMovingForward(previous);
        }
        await ProcessRunner.RunAsync(Prerequisites.Require("chmod"), ["-R", "a+rX", Root, KeyringPath], cancellationToken);

        var packagesText = await File.ReadAllTextAsync(_indexer.PackagesIndexPath, cancellationToken);
        Packages = [.. ControlStanzas.Parse(packagesText).Select(RepoPackage.FromIndexStanza).OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Edits the Release (e.g. adds <c>Valid-Until</c> or sets an older <c>Date</c>) and signs it again with the repository's
    /// key (or <paramref name="signer"/>'s, e.g. a stranger's): an archive a real mirror could serve, signed but saying something
    /// else. <see cref="RegenerateIndexesAsync"/> undoes it.
    /// </summary>
    public Task RewriteReleaseAsync(Func<string, string> edit, CancellationToken cancellationToken) => RewriteReleaseAsync(edit, null, cancellationToken);

    /// <inheritdoc cref="RewriteReleaseAsync(Func{string, string}, CancellationToken)"/>
    public async Task RewriteReleaseAsync(Func<string, string> edit, RepositorySigner? signer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var inRelease = Path.Combine(_indexer.DistsDirectory, "InRelease");
        var previous = File.GetLastWriteTimeUtc(inRelease);
        var text = await File.ReadAllTextAsync(_indexer.ReleasePath, cancellationToken);
        await File.WriteAllTextAsync(_indexer.ReleasePath, edit(text), cancellationToken);
        await (signer ?? _signer).SignAsync(_indexer.ReleasePath, cancellationToken);
        KeepLastModifiedMovingForward(previous);
        await ProcessRunner.RunAsync(Prerequisites.Require("chmod"), ["-R", "a+rX", Root], cancellationToken);
    }

    /// <summary>The directory of the suite's Release, relative to <see cref="Root"/>: <c>dists/stable</c>.</summary>
    public string SuiteDirectory => $"dists/{Suite}";

    public void Dispose()
    {
        _trusted?.Dispose();
        _paths.Dispose();
    }

    public override string ToString() => Root;

    // nginx answers If-Modified-Since with 304 when the date equals the file's mtime to the second, so a
    // republished Release must get a later second or apt keeps its old lists.
    private void KeepLastModifiedMovingForward(DateTime previous)
    {
        var previousSecond = previous.AddTicks(-(previous.Ticks % TimeSpan.TicksPerSecond));
        foreach (var name in new[] { "InRelease", "Release", "Release.gpg" })
        {
            var path = Path.Combine(_indexer.DistsDirectory, name);
            if (File.GetLastWriteTimeUtc(path) < previousSecond.AddSeconds(1))
            {
                File.SetLastWriteTimeUtc(path, previousSecond.AddSeconds(1));
            }
        }
    }

    private static async Task CopyIntoPoolAsync(string deb, string repositoryRoot, CancellationToken cancellationToken)
    {
        var fields = await ReadControlFieldsAsync(deb, cancellationToken);
        var package = fields["Package"];
        // "Source: figlet (2.2.5-3)" names the source and, when it differs, its version.
        var source = fields.GetValueOrDefault("Source")?.Split(' ')[0] is { Length: > 0 } s ? s : package;
        var target = Path.Combine(
            PoolDirectory(repositoryRoot, source),
            $"{package}_{PackageBuilders.VersionWithoutEpoch(fields["Version"])}_{fields["Architecture"]}.deb");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // A copy, not a link: tests corrupt pool files in place and the download cache must stay intact.
        File.Copy(deb, target, overwrite: true);
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadControlFieldsAsync(string deb, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(Prerequisites.Require("dpkg-deb"), ["--field", deb], cancellationToken);
        return ControlStanzas.Parse(result.StandardOutput).Single();
    }

    /// <summary>Debian's pool layout: <c>pool/main/&lt;prefix&gt;/&lt;source&gt;</c>, prefix "libX" for lib* sources.</summary>
    private static string PoolDirectory(string repositoryRoot, string source)
    {
        var prefix = source.StartsWith("lib", StringComparison.Ordinal) && source.Length > 3 ? source[..4] : source[..1];
        return Path.Combine(repositoryRoot, "pool", "main", prefix, source);
    }
}
