using AptP2P.Engine;
using AptP2P.Engine.Cache;

namespace AptP2P.Tests.Dashboard;

public sealed class CacheCatalogTests : IAsyncDisposable
{
    private readonly EngineServices _engine = new();
    private ICacheCatalog Catalog => _engine.Get<ICacheCatalog>();

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    [Fact]
    public void Finds_files_by_package_name_path_or_hash_prefix()
    {
        var hello = _engine.AddCachedFile("deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb", 100);
        _engine.AddCachedFile("deb.debian.org/debian/pool/main/t/tree/tree_2.1.0-1_amd64.deb", 200);

        Assert.Equal(["hello_2.10-3_amd64.deb"], Catalog.Search("hello", CacheOrder.Recent, 0, 10).Files.Select(f => f.Name));
        Assert.Equal(2, Catalog.Search("pool/main", CacheOrder.Recent, 0, 10).Total);
        Assert.Equal("hello_2.10-3_amd64.deb", Assert.Single(Catalog.Search(hello.Hash.ToString()[..12], CacheOrder.Recent, 0, 10).Files).Name);
        Assert.Empty(Catalog.Search("figlet", CacheOrder.Recent, 0, 10).Files);
    }

    [Fact]
    public void Pages_and_orders_the_listing()
    {
        for (var i = 1; i <= 5; i++)
            _engine.AddCachedFile($"mirror.example/pool/p{i}_1.0_all.deb", i * 100);

        var page = Catalog.Search(null, CacheOrder.Size, 1, 2);

        Assert.Equal(5, page.Total);
        Assert.Equal(["p3_1.0_all.deb", "p2_1.0_all.deb"], page.Files.Select(f => f.Name));
    }

    [Fact]
    public void Removes_a_file_unless_it_is_being_read()
    {
        var read = _engine.AddCachedFile("mirror.example/pool/read_1_all.deb", 100);
        var idle = _engine.AddCachedFile("mirror.example/pool/idle_1_all.deb", 100);
        using var lease = _engine.Get<AptP2P.Engine.Cache.ContentStore>().TryOpen(read.Hash);

        Assert.Equal(CacheRemoval.InUse, Catalog.Remove(read.Hash));
        Assert.Equal(CacheRemoval.Removed, Catalog.Remove(idle.Hash));
        Assert.Equal(CacheRemoval.NotFound, Catalog.Remove(idle.Hash));
        Assert.Null(Catalog.Find(idle.Hash));
        Assert.Equal(["mirror.example/pool/read_1_all.deb"], Catalog.Find(read.Hash)!.Paths);
        Assert.Equal(CacheRemoval.NotFound, Catalog.Remove(ContentHash.Compute("absent"u8)));
    }
}
