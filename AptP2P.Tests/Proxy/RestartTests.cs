using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Proxy;
using AptP2P.Testing.Http;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Proxy;

[Collection(MirrorCollection.Name)]
public sealed class RestartTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_hash_index_and_the_cache_survive_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-restart-").FullName;
        await using var mirror = new NginxMirror(fixture.Repository.Root);
        await mirror.StartAsync(Ct);
        var hello = fixture.Repository.Package("hello");
        var url = ProxyTargetParser.Parse($"/{mirror.HostPort}/{hello.PoolPath}").Url!;
        try
        {
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                using var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort)));
                AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
                AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
            }
            await mirror.StopAsync(Ct);

            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var known = node.Get<HashIndex>().Find(url);
                Assert.NotNull(known);
                Assert.Equal(ContentHash.Parse(hello.Sha256), known.Value.Hash);
                Assert.Equal(hello.Size, known.Value.Size);
                Assert.True(node.Get<ContentStore>().Contains(known.Value.Hash));

                var served = await RawHttp.SendAsync(node.BaseUri, "GET", $"/{mirror.HostPort}/{hello.PoolPath}");
                Assert.Equal(200, served.Status);
                Assert.Equal(hello.Size, served.Body.Length);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
