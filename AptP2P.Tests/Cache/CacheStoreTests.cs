using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;
using AptP2P.Testing.Nodes;

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
    public async Task A_small_file_is_served_from_memory_after_its_first_hit_and_leaves_memory_with_the_store()
    {
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:Peers:Announce=false"]);
        var store = node.Get<ContentStore>();
        var copies = node.Get<MemoryCopies>();
        var bytes = RandomBytes(50_000);
        var hash = AddFile(store, bytes);

        Assert.Equal(bytes, await ReadAllAsync(store.TryOpen(hash)!));
        Assert.Equal(50_000, copies.HeldBytes);
        // The copy is what the second hit serves: the node's own reads still get the file itself.
        File.WriteAllBytes(store.Directory.PathOf(hash), new byte[50_000]);
        Assert.Equal(bytes, await ReadAllAsync(store.TryOpen(hash)!));
        using (var own = store.TryOpen(hash, touch: false)!)
            Assert.False(own.Handle.IsInvalid);
        Assert.Equal(2, store.Find(hash)!.Hits);

        Assert.True(store.TryRemove(hash));
        Assert.Equal(0, copies.HeldBytes);
        Assert.Null(store.TryOpen(hash));
    }

    [Fact]
    public async Task With_no_memory_for_copies_every_hit_reads_the_disk()
    {
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:Cache:MemorySize=0", "AptP2P:Peers:Announce=false"]);
        var store = node.Get<ContentStore>();
        var hash = AddFile(store, RandomBytes(50_000));

        using (store.TryOpen(hash)) { }
        var zeros = new byte[50_000];
        File.WriteAllBytes(store.Directory.PathOf(hash), zeros);

        Assert.Equal(zeros, await ReadAllAsync(store.TryOpen(hash)!));
        Assert.Equal(0, node.Get<MemoryCopies>().Count);
    }

    [Fact]
    public async Task Reconciliation_forgets_vanished_resized_and_changed_files_adopts_verified_strangers_and_clears_partials()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-reconcile-").FullName;
        try
        {
            ContentHash kept, vanished, resized, changed;
            await using (var node = await AptP2PNode.StartAsync(directory))
            {
                var store = node.Get<ContentStore>();
                kept = AddRandomFile(node, store, 1000);
                vanished = AddRandomFile(node, store, 1000);
                resized = AddRandomFile(node, store, 1000);
                changed = AddRandomFile(node, store, 1000);
                await node.Get<DatabaseWriter>().FlushAsync(Ct);
            }
            var paths = new AptP2P.Engine.Configuration.DataDirectory(directory);
            File.Delete(paths.PathOf(vanished));
            await File.AppendAllTextAsync(paths.PathOf(resized), "more", Ct);
            // The same size, other bytes, written after the file was stored: only hashing it again can tell.
            await File.WriteAllBytesAsync(paths.PathOf(changed), RandomBytes(1000), Ct);
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
                Assert.False(store.Contains(changed));
                Assert.False(File.Exists(paths.PathOf(changed)));
                Assert.True(store.Contains(stranger));
                Assert.False(store.Contains(impostor));
                Assert.False(File.Exists(paths.PathOf(impostor)));
                Assert.Empty(Directory.EnumerateFiles(paths.Partial));
                Assert.Contains(node.Logs.Lines, l => l.Message.Contains("1 kept, 1 vanished, 1 resized, 1 changed on disk, 1 adopted, 1 discarded, 1 partial", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ContentHash AddRandomFile(AptP2PNode node, ContentStore store, int size) => AddFile(store, RandomBytes(size));

    private static ContentHash AddFile(ContentStore store, byte[] bytes)
    {
        var partial = store.Directory.NewPartialPath();
        File.WriteAllBytes(partial, bytes);
        var hash = ContentHash.Compute(bytes);
        store.Add(partial, hash, bytes.Length, verified: true);
        return hash;
    }

    /// <summary>Reads a lease to its end and disposes it.</summary>
    private static async Task<byte[]> ReadAllAsync(CacheLease lease)
    {
        using (lease)
        {
            var content = new byte[lease.Entry.Size];
            var offset = 0;
            while (offset < content.Length)
            {
                var read = await lease.ReadAsync(offset, content.AsMemory(offset), Ct);
                Assert.NotEqual(0, read);
                offset += read;
            }
            return content;
        }
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
