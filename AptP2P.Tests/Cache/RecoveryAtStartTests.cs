using AptP2P.Data;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Proxy;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;
using Microsoft.EntityFrameworkCore;

namespace AptP2P.Tests.Cache;

/// <summary>
/// The database a crash leaves (an index committed whole or not at all, write-behind rows lost) made by hand in a stopped
/// node's database: at the next start the node rebuilds it from the cached files, the Release first, without apt.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class RecoveryAtStartTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Indexes_and_verified_marks_missing_from_the_database_are_rebuilt_from_the_cache_at_start()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-recovery-").FullName;
        var hello = fixture.Repository.Package("hello");
        var helloUrl = ProxyTargetParser.Parse($"/{fixture.Mirror.HostPort}/{hello.PoolPath}").Url!;
        try
        {
            int indexed;
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
                AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
                AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
                indexed = node.Get<HashIndex>().Count;
            }
            await using (var db = new AptDb(new DbContextOptionsBuilder<AptDb>().UseSqlite($"Data Source={Path.Combine(directory, "aptp2p.db")};Pooling=False").Options))
            {
                // What a kill during every ingest, and within the write-behind delay of the download, leaves.
                await db.HashEntries.ExecuteDeleteAsync(Ct);
                await db.IndexSources.ExecuteDeleteAsync(Ct);
                await db.CachedFiles.Where(f => f.Sha256 == hello.Sha256).ExecuteDeleteAsync(Ct);
                await db.UrlRecords.Where(r => r.Sha256 == hello.Sha256).ExecuteDeleteAsync(Ct);
            }

            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var line = await node.Logs.WaitForAsync("Crash recovery:", TimeSpan.FromSeconds(60));

                Assert.Contains("3 index files indexed again", line.Message, StringComparison.Ordinal);
                Assert.Equal(indexed, node.Get<HashIndex>().Count);
                Assert.Equal(ContentHash.Parse(hello.Sha256), node.Get<HashIndex>().Find(helloUrl)?.Hash);
                Assert.True(node.Get<ContentStore>().Find(ContentHash.Parse(hello.Sha256)) is { Verified: true }, node.Logs.ToString());
                Assert.Equal(ContentHash.Parse(hello.Sha256), node.Get<UrlRecords>().Find(helloUrl.Key)?.Hash);
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
            }

            // What was rebuilt is in the database: a third start has nothing left to redo.
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var line = await node.Logs.WaitForAsync("Crash recovery:", TimeSpan.FromSeconds(60));
                Assert.Contains("0 index files indexed again (0 entries), 0 cached files verified again, 0 removed, 0 URL records restored", line.Message, StringComparison.Ordinal);
                Assert.Equal(indexed, node.Get<HashIndex>().Count);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
