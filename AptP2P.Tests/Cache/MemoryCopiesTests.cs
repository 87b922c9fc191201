using AptP2P.Engine;
using AptP2P.Engine.Cache;

namespace AptP2P.Tests.Cache;

/// <summary>The memory copies of small hot files on their own: what is kept, what the budget drops first, what is never kept.</summary>
public sealed class MemoryCopiesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("aptp2p-copies-");
    private readonly Dictionary<CacheEntry, string> _paths = [];

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_small_file_offered_is_found_with_its_bytes()
    {
        var copies = new MemoryCopies(1024 * 1024);
        var (entry, bytes) = NewFile(1000);

        Assert.Null(copies.Find(entry));
        Offer(copies, entry);

        Assert.Equal(bytes, copies.Find(entry));
        Assert.Equal(1000, copies.HeldBytes);
    }

    [Fact]
    public void Over_budget_the_least_recently_served_copies_go_first()
    {
        var copies = new MemoryCopies(3000);
        var (a, _) = NewFile(1000);
        var (b, _) = NewFile(1000);
        var (c, _) = NewFile(1000);
        Offer(copies, a);
        Offer(copies, b);
        Offer(copies, c);
        Assert.NotNull(copies.Find(a)); // a is now the most recently served

        var (d, _) = NewFile(1000);
        Offer(copies, d);

        Assert.Null(copies.Find(b));
        Assert.NotNull(copies.Find(a));
        Assert.NotNull(copies.Find(d));
        Assert.True(copies.HeldBytes <= 3000, $"{copies.HeldBytes} bytes held over a 3000-byte budget");
    }

    [Fact]
    public void Large_files_shared_files_and_files_shorter_than_their_entry_are_never_kept()
    {
        var copies = new MemoryCopies(64 * 1024 * 1024);
        var (large, _) = NewFile((int)MemoryCopies.MaxFileSize + 1);
        var (shared, _) = NewFile(1000, external: true);
        var (truncated, _) = NewFile(1000, claimedSize: 2000);

        Offer(copies, large);
        Offer(copies, shared);
        Offer(copies, truncated);

        Assert.Equal(0, copies.Count);
        Assert.Equal(0, copies.HeldBytes);
    }

    [Fact]
    public void Dropping_a_copy_and_shrinking_the_budget_free_the_memory()
    {
        var copies = new MemoryCopies(1024 * 1024);
        var (a, _) = NewFile(1000);
        var (b, _) = NewFile(1000);
        Offer(copies, a);
        Offer(copies, b);

        copies.Drop(a);
        Assert.Null(copies.Find(a));
        Assert.Equal(1000, copies.HeldBytes);

        copies.Resize(0);
        Assert.Null(copies.Find(b));
        Assert.Equal(0, copies.HeldBytes);
        Offer(copies, a);
        Assert.Equal(0, copies.Count);
    }

    private (CacheEntry Entry, byte[] Bytes) NewFile(int size, bool external = false, long? claimedSize = null)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, bytes);
        var now = DateTimeOffset.UtcNow;
        var entry = new CacheEntry(ContentHash.Compute(bytes), claimedSize ?? size, verified: true, now, now, 0)
        {
            ExternalPath = external ? path : null,
        };
        _paths[entry] = path;
        return (entry, bytes);
    }

    private void Offer(MemoryCopies copies, CacheEntry entry)
    {
        using var handle = File.OpenHandle(_paths[entry]);
        copies.Offer(entry, handle);
    }
}
