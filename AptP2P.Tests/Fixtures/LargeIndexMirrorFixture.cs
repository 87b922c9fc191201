using System.Security.Cryptography;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Repositories;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// A repository whose binary Packages index has <see cref="SyntheticStanzas"/> synthetic stanzas besides the real packages
/// (an index that takes the node a noticeable time to parse) and <see cref="ExtraPackages"/> small packages of growing size,
/// served by nginx; built once for the tests of a class.
/// </summary>
public sealed class LargeIndexMirrorFixture : IAsyncLifetime
{
    public const int SyntheticStanzas = 30_000;
    public const int ExtraPackages = 20;

    private DebianRepository? _repository;
    private NginxMirror? _mirror;

    public DebianRepository Repository => _repository ?? throw NotStarted();

    public NginxMirror Mirror => _mirror ?? throw NotStarted();

    /// <summary>
    /// SHA-256 of every file the archive's metadata lists (all but InRelease, Release and Release.gpg, whose hash nothing
    /// gives), with its path relative to the repository root.
    /// </summary>
    public IReadOnlyDictionary<string, string> ListedFiles { get; private set; } = new Dictionary<string, string>();

    /// <summary>How many paths the Release lists.</summary>
    public int ReleaseEntries { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            _repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions
            {
                BigPackagePayloadBytes = 1024 * 1024,
                ExtraPackages = ExtraPackages,
                SyntheticStanzas = SyntheticStanzas,
            }, cancellationToken);
            _mirror = new NginxMirror(_repository.Root);
            await _mirror.StartAsync(cancellationToken);
            ListedFiles = HashListedFiles(_repository.Root);
            var release = await File.ReadAllLinesAsync(_repository.PathOf($"dists/{_repository.Suite}/Release"), cancellationToken);
            ReleaseEntries = release.SkipWhile(l => l != "SHA256:").Skip(1).TakeWhile(l => l.StartsWith(' ')).Count();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>An apt client with private state whose sources point at <paramref name="baseUri"/>.</summary>
    public AptClient CreateClient(Uri baseUri) => new(Repository, baseUri);

    public IEnumerable<RepoPackage> Extras =>
        Enumerable.Range(1, ExtraPackages).Select(i => Repository.Package(DebianRepository.ExtraPackagePrefix + i));

    private static Dictionary<string, string> HashListedFiles(string root)
    {
        var listed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) is "InRelease" or "Release" or "Release.gpg")
                continue;
            using var stream = File.OpenRead(file);
            listed.TryAdd(Convert.ToHexStringLower(SHA256.HashData(stream)), Path.GetRelativePath(root, file));
        }
        return listed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_mirror is not null)
        {
            await _mirror.DisposeAsync();
            _mirror = null;
        }
        _repository?.Dispose();
        _repository = null;
    }

    private static InvalidOperationException NotStarted() => new("LargeIndexMirrorFixture is used before InitializeAsync ran.");
}
