using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Network;

/// <summary>What the tests of machines on a LAN check of apt, the mirror and the packages, with the node's log on failure.</summary>
internal static class LanAssert
{
    public static void Succeeded(AptResult result, NodeProcess node) =>
        Assert.True(result.Succeeded, $"apt-get failed: {result}\n{node}");

    /// <summary>No package file was asked of <paramref name="mirror"/> since its access log was last cleared.</summary>
    public static void NoPoolRequests(NginxMirror mirror, NodeProcess node)
    {
        var fromMirror = mirror.ReadAccessLog().Where(e => e.Path.Contains("/pool/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.True(fromMirror.Count == 0, $"the mirror was asked for {string.Join(", ", fromMirror)}:\n{node}");
    }

    /// <summary>Every package of <paramref name="names"/> that apt downloaded is byte for byte the repository's.</summary>
    public static void SameFiles(DebianRepository repository, AptClient apt, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var package = repository.Package(name);
            AptThroughProxyTests.AssertSameFile(repository.PathOf(package.PoolPath), apt.ArchivePathOf(package));
        }
    }

    /// <summary>The SHA-256 of every package the client downloaded, dependencies included.</summary>
    public static List<string> HashesOf(AptClient apt) =>
        [.. Directory.GetFiles(apt.ArchivesDirectory, "*.deb").Select(AptThroughProxyTests.Sha256Of)];
}
