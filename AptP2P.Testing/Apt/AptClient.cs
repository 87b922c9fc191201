using AptP2P.Testing.Machine;
using AptP2P.Testing.Repositories;

namespace AptP2P.Testing.Apt;

/// <summary>What an apt-get run printed (stdout and stderr interleaved) and how it exited.</summary>
public sealed record AptResult(int ExitCode, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.00} s:{Environment.NewLine}{Output}";
}

/// <summary>
/// A real apt-get with private state: its own etc/, lists, archives and a copy of the dpkg status, selected through
/// <c>APT_CONFIG</c> so the host's /etc/apt and /var/lib/apt are never read or written. Sources point at the given
/// base URLs (the mirror itself, or a proxy prefix such as <c>http://127.0.0.1:P/127.0.0.1:M/</c>) with both
/// <c>deb</c> and <c>deb-src</c> lines signed by the repository's key.
/// </summary>
public sealed class AptClient : IDisposable
{
    private readonly TestPaths _paths;
    private readonly string _aptGet;

    /// <param name="extraConfig">apt.conf lines appended last, e.g. <c>Acquire::http::Proxy "http://127.0.0.1:P/";</c>.</param>
    public AptClient(DebianRepository repository, IEnumerable<Uri> baseUris, IEnumerable<string>? extraConfig = null)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(baseUris);
        _aptGet = Prerequisites.Require("apt-get");
        BaseUris = [.. baseUris];
        if (BaseUris.Count == 0)
        {
            throw new ArgumentException("At least one base URL is needed.", nameof(baseUris));
        }
        _paths = TestPaths.Create("apt");
        foreach (var directory in new[] { "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d", "etc/sources.list.d", "log" })
        {
            _paths.CreateDirectory(directory);
        }
        CreateStateDirectories();
        WriteStatusFile(repository);
        File.WriteAllText(_paths.PathOf("etc/sources.list"), string.Concat(BaseUris.Select(uri =>
            $"deb [signed-by={repository.KeyringPath}] {uri.AbsoluteUri} {repository.Suite} {repository.Component}\n"
            + $"deb-src [signed-by={repository.KeyringPath}] {uri.AbsoluteUri} {repository.Suite} {repository.Component}\n")));
        File.WriteAllText(ConfigPath, BuildConfig(extraConfig ?? []));
    }

    public AptClient(DebianRepository repository, Uri baseUri, IEnumerable<string>? extraConfig = null)
        : this(repository, [baseUri], extraConfig)
    {
    }

    public IReadOnlyList<Uri> BaseUris { get; }

    /// <summary>The client's own directory.</summary>
    public string Root => _paths.Root;

    /// <summary>The file <c>APT_CONFIG</c> points at.</summary>
    public string ConfigPath => _paths.PathOf("apt.conf");

    public string ArchivesDirectory => _paths.PathOf("cache/archives");

    public string ListsDirectory => _paths.PathOf("state/lists");

    /// <summary>Upper bound for every apt-get run; a hung apt fails the test instead of hanging CI.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>A command apt-get runs under, such as <c>ip netns exec ns1</c> for a client on another machine of a test LAN.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    public Task<AptResult> UpdateAsync(CancellationToken cancellationToken = default) => RunAsync(["update"], null, cancellationToken);

    public Task<AptResult> InstallDownloadOnlyAsync(params string[] packages) =>
        InstallDownloadOnlyAsync(packages, CancellationToken.None);

    public Task<AptResult> InstallDownloadOnlyAsync(IEnumerable<string> packages, CancellationToken cancellationToken) =>
        RunAsync(["install", "--download-only", "-y", .. packages], null, cancellationToken);

    /// <summary><c>apt-get source --download-only</c>, run in <paramref name="targetDirectory"/> where the files land.</summary>
    public Task<AptResult> SourceDownloadOnlyAsync(string package, string targetDirectory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(targetDirectory);
        return RunAsync(["source", "--download-only", package], targetDirectory, cancellationToken);
    }

    public Task<AptResult> RunAsync(params string[] arguments) => RunAsync(arguments, null, CancellationToken.None);

    /// <summary>Runs apt-get with these arguments; never throws for a non-zero exit, only for a timeout.</summary>
    public async Task<AptResult> RunAsync(IEnumerable<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
    {
        string[] command = [.. CommandPrefix, _aptGet, .. arguments];
        var spec = new ProcessSpec(command[0], [.. command.Skip(1)])
        {
            WorkingDirectory = workingDirectory ?? Root,
            Timeout = CommandTimeout,
            Environment = new Dictionary<string, string?>
            {
                ["APT_CONFIG"] = ConfigPath,
                ["LC_ALL"] = "C",
                ["LANGUAGE"] = null,
                ["DEBIAN_FRONTEND"] = "noninteractive",
                // A proxy from the environment would send loopback traffic elsewhere; tests set proxies in apt.conf.
                ["http_proxy"] = null,
                ["HTTP_PROXY"] = null,
                ["https_proxy"] = null,
                ["HTTPS_PROXY"] = null,
                ["no_proxy"] = null,
                ["NO_PROXY"] = null,
                ["all_proxy"] = null,
                ["ALL_PROXY"] = null,
            },
        };
        var result = await ProcessRunner.RunUncheckedAsync(spec, cancellationToken);
        return new AptResult(result.ExitCode, result.Output, result.Elapsed);
    }

    /// <summary>Where apt stores the download of <paramref name="package"/>.</summary>
    public string ArchivePathOf(RepoPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return Path.Combine(ArchivesDirectory, package.ArchiveFileName);
    }

    /// <summary>Forgets every list, downloaded archive, partial file and cache, so the next run starts from nothing.</summary>
    public void WipeState()
    {
        foreach (var directory in new[] { "state/lists", "cache" })
        {
            var path = _paths.PathOf(directory);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        CreateStateDirectories();
    }

    public void Dispose() => _paths.Dispose();

    public override string ToString() => $"apt client {Root} -> {string.Join(", ", BaseUris)}";

    private void CreateStateDirectories()
    {
        _paths.CreateDirectory("state/lists/partial");
        _paths.CreateDirectory("cache/archives/partial");
    }

    /// <summary>
    /// A copy of the host's dpkg status, so libc6 and friends count as installed, minus the repository's own
    /// packages, so a host that happens to have e.g. <c>tree</c> installed still downloads it.
    /// </summary>
    private void WriteStatusFile(DebianRepository repository)
    {
        var hostStatus = File.Exists("/var/lib/dpkg/status") ? File.ReadAllText("/var/lib/dpkg/status") : string.Empty;
        var ours = repository.Packages.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var kept = ControlStanzas.SplitRaw(hostStatus).Where(stanza => ControlStanzas.PackageNameOf(stanza) is not { } name || !ours.Contains(name));
        File.WriteAllText(_paths.PathOf("state/status"), string.Concat(kept.Select(stanza => stanza + "\n\n")));
    }

    private string BuildConfig(IEnumerable<string> extraConfig)
    {
        var sandbox = Environment.IsPrivilegedProcess ? "APT::Sandbox::User \"root\";" : string.Empty;
        return $$"""
            Dir::Etc "{{_paths.PathOf("etc")}}";
            Dir::State "{{_paths.PathOf("state")}}";
            Dir::State::status "{{_paths.PathOf("state/status")}}";
            Dir::Cache "{{_paths.PathOf("cache")}}";
            Dir::Log "{{_paths.PathOf("log")}}";
            Acquire::Languages "en";
            Acquire::IndexTargets::deb::Contents-deb {
              MetaKey "$(COMPONENT)/Contents-$(ARCHITECTURE)";
              ShortDescription "Contents-$(ARCHITECTURE)";
              Description "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (deb)";
            };
            {{sandbox}}
            {{string.Join("\n", extraConfig)}}

            """;
    }
}
