using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Cache;

/// <summary>The content store inside a running node: size limit, eviction order, reconciliation at start.</summary>
public sealed class CacheStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Least_recently_used_files_are_evicted_but_never_one_being_read()
    {
        // Announcing off: the announcer reads new files for their piece lists, and a file being read is never evicted.
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:Cache:SizeLimit=1M", "AptP2P:Peers:Announce=false"]);
        var store = node.Get<ContentStore>();
        var a = AddRandomFile(node, store, 400_000);
        var b = AddRandomFile(node, store, 400_000);
        using (var reading = store.TryOpen(a))
        {
            Assert.NotNull(reading);
            var c = AddRandomFile(node, store, 400_000);

            Assert.True(store.Contains(a), "a file being read was evicted");
            Assert.False(store.Contains(b));
            Assert.True(store.Contains(c));
            Assert.False(File.Exists(store.Directory.PathOf(b)));
        }

        var d = AddRandomFile(node, store, 400_000);

        Assert.False(store.Contains(a));
        Assert.True(store.Contains(d));
        Assert.True(store.TotalSize <= 1024 * 1024);
    }

    [Fact]
    public async Task Reconciliation_forgets_vanished_and_resized_files_adopts_verified_strangers_and_clears_partials()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-reconcile-").FullName;
        try
        {
            ContentHash kept, vanished, resized;
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var store = node.Get<ContentStore>();
                kept = AddRandomFile(node, store, 1000);
                vanished = AddRandomFile(node, store, 1000);
                resized = AddRandomFile(node, store, 1000);
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
            }
            var paths = new AptP2P.Engine.Configuration.DataDirectory(directory);
            File.Delete(paths.PathOf(vanished));
            await File.AppendAllTextAsync(paths.PathOf(resized), "more", Ct);
            var strangerBytes = RandomBytes(500);
            var stranger = ContentHash.Compute(strangerBytes);
            Directory.CreateDirectory(Path.GetDirectoryName(paths.PathOf(stranger))!);
            await File.WriteAllBytesAsync(paths.PathOf(stranger), strangerBytes, Ct);
            var impostor = ContentHash.Compute(RandomBytes(10));
            Directory.CreateDirectory(Path.GetDirectoryName(paths.PathOf(impostor))!);
            await File.WriteAllBytesAsync(paths.PathOf(impostor), RandomBytes(10), Ct);
            await File.WriteAllTextAsync(Path.Combine(paths.Partial, "left-over.part"), "x", Ct);

            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var store = node.Get<ContentStore>();
                Assert.True(store.Contains(kept));
                Assert.False(store.Contains(vanished));
                Assert.False(store.Contains(resized));
                Assert.False(File.Exists(paths.PathOf(resized)));
                Assert.True(store.Contains(stranger));
                Assert.False(store.Contains(impostor));
                Assert.False(File.Exists(paths.PathOf(impostor)));
                Assert.Empty(Directory.EnumerateFiles(paths.Partial));
                Assert.Contains(node.Logs.Lines, l => l.Message.Contains("1 kept, 1 vanished, 1 resized, 1 adopted, 1 discarded, 1 partial", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ContentHash AddRandomFile(AptP2PNode node, ContentStore store, int size)
    {
        var bytes = RandomBytes(size);
        var partial = store.Directory.NewPartialPath();
        File.WriteAllBytes(partial, bytes);
        var hash = ContentHash.Compute(bytes);
        store.Add(partial, hash, size, verified: true);
        return hash;
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
