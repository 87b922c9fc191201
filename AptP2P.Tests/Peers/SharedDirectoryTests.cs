using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Peers;
using AptP2P.Testing.Http;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Peers;

[Collection(MirrorCollection.Name)]
public sealed class SharedDirectoryTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Packages_apt_already_holds_are_matched_and_shared_in_place_never_moved_or_deleted()
    {
        var shared = Directory.CreateTempSubdirectory("aptp2p-archives-").FullName;
        try
        {
            var hello = fixture.Repository.Package("hello");
            var helloCopy = Path.Combine(shared, "hello_2.10-3_amd64.deb");
            File.Copy(fixture.Repository.PathOf(hello.PoolPath), helloCopy);
            var stranger = Path.Combine(shared, "not-in-any-index_1.0_all.deb");
            await File.WriteAllTextAsync(stranger, "not a package anyone lists", Ct);
            await using var node = await AptP2PNode.StartAsync(settings: [$"AptP2P:Peers:SharedDirectories:0={shared}"]);
            using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));

            AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
            var store = node.Get<ContentStore>();
            var hash = ContentHash.Parse(hello.Sha256);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!store.Contains(hash))
            {
                Assert.True(DateTime.UtcNow < deadline, "the shared package was never matched:\n" + node.Logs);
                await Task.Delay(50, Ct);
            }

            Assert.Equal(helloCopy, store.Find(hash)!.ExternalPath);
            var served = await RawHttp.SendAsync(node.BaseUri, "GET", $"/~/{hash}");
            store.EvictToLimit();
            store.TryRemove(hash);

            Assert.Equal(200, served.Status);
            Assert.Equal(hello.Size, served.Body.Length);
            Assert.True(File.Exists(helloCopy), "a shared file was deleted");
            Assert.True(File.Exists(stranger));
            Assert.Equal(hello.Sha256, AptThroughProxyTests.Sha256Of(helloCopy));
            Assert.DoesNotContain(Directory.EnumerateFiles(store.Directory.Cache, "*", SearchOption.AllDirectories), f => Path.GetFileName(f) == hello.Sha256);
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}
