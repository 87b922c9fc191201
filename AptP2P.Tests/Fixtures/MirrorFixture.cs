using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Repositories;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// One real signed <see cref="DebianRepository"/> served by one <see cref="NginxMirror"/>, shared by every test of
/// the "mirror" collection. Tests in a collection run one at a time, so a test may corrupt a file or clear the
/// access log as long as it puts things back.
/// </summary>
public sealed class MirrorFixture : IAsyncLifetime
{
    private DebianRepository? _repository;
    private NginxMirror? _mirror;

    public DebianRepository Repository => _repository ?? throw NotStarted();

    public NginxMirror Mirror => _mirror ?? throw NotStarted();

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            _repository = await DebianRepository.BuildAsync(new DebianRepositoryOptions(), cancellationToken);
            _mirror = new NginxMirror(_repository.Root);
            await _mirror.StartAsync(cancellationToken);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>An apt client with private state whose sources point straight at the mirror (or at <paramref name="baseUri"/>).</summary>
    public AptClient CreateClient(Uri? baseUri = null, IEnumerable<string>? extraConfig = null) =>
        new(Repository, baseUri ?? Mirror.BaseUri, extraConfig);

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

    private static InvalidOperationException NotStarted() => new("MirrorFixture is used before InitializeAsync ran.");
}

/// <summary>Tests that share one repository and nginx mirror: <c>[Collection("mirror")]</c>.</summary>
[CollectionDefinition("mirror")]
public sealed class MirrorCollection : ICollectionFixture<MirrorFixture>
{
    public const string Name = "mirror";
}
