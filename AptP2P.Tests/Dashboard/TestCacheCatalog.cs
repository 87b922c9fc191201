using AptP2P.Engine;
using AptP2P.Engine.Cache;

namespace AptP2P.Tests.Dashboard;

/// <summary>An in-memory cache catalogue: files the test adds, search by substring, removal unless marked in use.</summary>
internal sealed class TestCacheCatalog : ICacheCatalog
{
    private readonly List<CatalogFile> _files = [];

    public HashSet<string> InUse { get; } = [];

    public List<string> Removed { get; } = [];

    public CatalogFile Add(string name, long size, long hits = 0, string? path = null, long uploaded = 0)
    {
        var hash = ContentHash.Compute(System.Text.Encoding.UTF8.GetBytes(name)).ToString();
        var file = new CatalogFile(hash, name, size, true, SampleStatistics.Start, SampleStatistics.Start.AddMinutes(_files.Count), hits, uploaded, 0,
            [path ?? $"deb.debian.org/debian/pool/main/{name}"]);
        _files.Add(file);
        return file;
    }

    public CachePage Search(string? query, CacheOrder order, int page, int pageSize)
    {
        var matches = _files.Where(f => string.IsNullOrEmpty(query) || f.Paths.Any(p => p.Contains(query, StringComparison.OrdinalIgnoreCase))).ToList();
        IEnumerable<CatalogFile> ordered = order switch
        {
            CacheOrder.Hits => matches.OrderByDescending(f => f.Hits),
            CacheOrder.Uploaded => matches.OrderByDescending(f => f.UploadedBytes),
            _ => matches.OrderByDescending(f => f.LastAccess),
        };
        return new CachePage(matches.Count, page, pageSize, [.. ordered.Skip(page * pageSize).Take(pageSize)]);
    }

    public CatalogFile? Find(ContentHash hash) => _files.FirstOrDefault(f => f.Sha256 == hash.ToString());

    public CacheRemoval Remove(ContentHash hash)
    {
        var file = Find(hash);
        if (file is null)
            return CacheRemoval.NotFound;
        if (InUse.Contains(file.Name))
            return CacheRemoval.InUse;
        _files.Remove(file);
        Removed.Add(file.Name);
        return CacheRemoval.Removed;
    }
}
