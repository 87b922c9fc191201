using AptP2P.Testing.Machine;

namespace AptP2P.Bench;

/// <summary>
/// apt-get in a directory of its own, pointed at Debian's real archive through a prefix (the node): bookworm,
/// bookworm-updates and bookworm-security, main, amd64 + i386, deb + deb-src, signed by Debian's archive keyring.
/// </summary>
internal sealed class DebianAptSandbox : IDisposable
{
    private readonly TestPaths _paths = TestPaths.Create("apt-debian");

    /// <param name="prefix">Where <c>deb.debian.org</c> is reached: <c>http://127.0.0.1:PORT/deb.debian.org</c>.</param>
    public DebianAptSandbox(string prefix)
    {
        foreach (var directory in new[] { "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d", "etc/sources.list.d", "log", "state/lists/partial", "cache/archives/partial" })
            _paths.CreateDirectory(directory);
        File.Copy("/var/lib/dpkg/status", _paths.PathOf("state/status"));
        const string Options = "[arch=amd64,i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]";
        File.WriteAllText(_paths.PathOf("etc/sources.list"), $"""
            deb {Options} {prefix}/debian bookworm main
            deb-src {Options} {prefix}/debian bookworm main
            deb {Options} {prefix}/debian bookworm-updates main
            deb-src {Options} {prefix}/debian bookworm-updates main
            deb {Options} {prefix}/debian-security bookworm-security main
            deb-src {Options} {prefix}/debian-security bookworm-security main

            """);
        File.WriteAllText(ConfigPath, $"""
            Dir::Etc "{_paths.PathOf("etc")}";
            Dir::State "{_paths.PathOf("state")}";
            Dir::State::status "{_paths.PathOf("state/status")}";
            Dir::Cache "{_paths.PathOf("cache")}";
            Dir::Log "{_paths.PathOf("log")}";
            APT::Architectures {"{"} "amd64"; "i386"; {"}"};
            {(Environment.IsPrivilegedProcess ? "APT::Sandbox::User \"root\";" : "")}

            """);
    }

    private string ConfigPath => _paths.PathOf("apt.conf");

    public async Task<ProcessResult> UpdateAsync()
    {
        var spec = new ProcessSpec(Prerequisites.Require("apt-get"), ["update"])
        {
            Timeout = TimeSpan.FromMinutes(10),
            Environment = new Dictionary<string, string?> { ["APT_CONFIG"] = ConfigPath, ["LC_ALL"] = "C", ["http_proxy"] = null, ["HTTP_PROXY"] = null },
        };
        return await ProcessRunner.RunUncheckedAsync(spec, CancellationToken.None);
    }

    public void Dispose() => _paths.Dispose();
}
