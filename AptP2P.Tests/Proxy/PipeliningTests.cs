using System.Security.Cryptography;
using AptP2P.Testing.Http;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

/// <summary>apt sends every file down one connection, up to ten requests deep; the node must fetch the queued ones at once.</summary>
[Collection(MirrorCollection.Name)]
public sealed class PipeliningTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pipelined_requests_are_fetched_from_the_mirror_together_and_answered_in_order()
    {
        var latency = TimeSpan.FromMilliseconds(400);
        await using var slow = DelayingMirror.StartInFrontOf(fixture.Mirror, latency, LatencyMode.PerRequest);
        await using var node = await AptP2PNode.StartAsync();
        using (var apt = fixture.CreateClient(new Uri(node.PrefixFor(slow.HostPort))))
            AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        var packages = new[] { "hello", "figlet", "tree", "fortune-mod", "fortunes-min" }.Select(fixture.Repository.Package).ToList();
        var before = slow.Requests.Count;

        await using var connection = await RawHttp.ConnectAsync(node.BaseUri, cancellationToken: Ct);
        await connection.WriteAsync(string.Concat(packages.Select(p => $"GET /{slow.HostPort}/{p.PoolPath} HTTP/1.1\r\nHost: x\r\n\r\n")));
        foreach (var package in packages)
        {
            var response = await connection.ReadResponseAsync(cancellationToken: Ct);
            Assert.Equal(200, response.Status);
            Assert.Equal(package.Sha256, Convert.ToHexStringLower(SHA256.HashData(response.Body)));
        }

        var fetched = await slow.WaitForRequestsAsync(r => r.Target.Contains("/pool/", StringComparison.Ordinal), packages.Count, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(packages.Count, slow.Requests.Skip(before).Count(r => r.Target.Contains("/pool/", StringComparison.Ordinal)));
        // One after another, the mirror would have seen them at least one latency apart; together, within a fraction of it.
        var spread = fetched.Max(r => r.ArrivedAt) - fetched.Min(r => r.ArrivedAt);
        Assert.True(spread < latency / 2, $"requests reached the mirror {spread.TotalMilliseconds:0} ms apart");
    }
}
