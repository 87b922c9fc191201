using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Repositories;

/// <summary>
/// Real .debs from Debian's registry, downloaded once with <c>apt-get download</c> into a directory shared by
/// every test run on the machine, so the registry is contacted only for what is missing.
/// </summary>
public sealed class DebDownloadCache
{
    public const string DefaultDirectory = "/tmp/aptp2p-test-debs";

    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(6);

    public DebDownloadCache(string directory = DefaultDirectory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Path of the cached .deb of each package (in the order given), downloading those not cached yet.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packages);
        if (packages.All(p => Find(p) is not null))
        {
            return [.. packages.Select(p => Find(p)!)];
        }

        System.IO.Directory.CreateDirectory(Directory);
        // Another test process may be downloading the same files; take turns through an flock on a lock file.
        await using (var cacheLock = await LockAsync(cancellationToken))
        {
            var missing = packages.Where(p => Find(p) is null).ToList();
            if (missing.Count > 0)
            {
                await DownloadAsync(missing, cancellationToken);
            }
        }

        return [.. packages.Select(p => Find(p) ?? throw new InvalidOperationException(
            $"apt-get download reported success but no {p}_*.deb appeared in {Directory}."))];
    }

    private string? Find(string package)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }
        // apt-get download names files <package>_<version with ':' as %3a>_<arch>.deb; prefer the newest download.
        return new DirectoryInfo(Directory).GetFiles($"{package}_*.deb")
            .Where(f => f.Name.Count(c => c == '_') == 2)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .FirstOrDefault()?.FullName;
    }

    private async Task DownloadAsync(IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        var aptGet = Prerequisites.Require("apt-get");
        // Download into a private directory and rename into place, so no reader ever sees a half-written .deb.
        var staging = Path.Combine(Directory, $".download-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            string[] arguments = ["-q", "-o", "APT::Sandbox::User=root", "download", .. packages];
            var spec = new ProcessSpec(aptGet, arguments)
            {
                WorkingDirectory = staging,
                Timeout = DownloadTimeout,
                Environment = new Dictionary<string, string?> { ["APT_CONFIG"] = null, ["LC_ALL"] = "C" },
            };
            var result = await ProcessRunner.RunUncheckedAsync(spec, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Could not download the test packages ({string.Join(' ', packages)}) from Debian's registry into {Directory}. "
                    + "If apt says it cannot locate a package, run `apt-get update` first. "
                    + $"`{result.CommandLine}` exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
            }
            foreach (var file in System.IO.Directory.GetFiles(staging, "*.deb"))
            {
                File.Move(file, Path.Combine(Directory, Path.GetFileName(file)), overwrite: true);
            }
        }
        finally
        {
            System.IO.Directory.Delete(staging, recursive: true);
        }
    }

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, ".lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // On Linux, FileShare.None is enforced with flock(LOCK_EX | LOCK_NB), across processes too.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }
}
