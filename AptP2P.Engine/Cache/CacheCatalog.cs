
namespace AptP2P.Engine.Cache;

/// <summary>One file of the cache as the dashboard lists it: its content, its use, and the mirror paths it was fetched under.</summary>
public sealed record CatalogFile(
    string Sha256,
    string Name,
    long Size,
    bool Verified,
    DateTimeOffset StoredAt,
    DateTimeOffset LastAccess,
    long Hits,
    long UploadedBytes,
    int Readers,
    IReadOnlyList<string> Paths);

/// <summary>A page of cached files and how many matched in all.</summary>
public sealed record CachePage(int Total, int Page, int PageSize, IReadOnlyList<CatalogFile> Files);

/// <summary>How the cache listing is ordered.</summary>
public enum CacheOrder
{
    /// <summary>Most recently used first.</summary>
    Recent,
    /// <summary>Most often served (to apt and to peers) first.</summary>
    Hits,
    /// <summary>Most bytes sent to peers first.</summary>
    Uploaded,
    Size,
    Name,
}

public enum CacheRemoval
{
    Removed,
    NotFound,
    /// <summary>Someone is reading the file; it stays.</summary>
    InUse,
}

/// <summary>The cache as a searchable catalogue: files joined with the mirror paths they were fetched under.</summary>
public interface ICacheCatalog
{
    /// <param name="query">Part of a package name, a path or a hash (case-insensitive); empty lists everything.</param>
    /// <param name="page">Zero-based page number.</param>
    CachePage Search(string? query, CacheOrder order, int page, int pageSize);

    CatalogFile? Find(ContentHash hash);

    CacheRemoval Remove(ContentHash hash);
}

/// <inheritdoc cref="ICacheCatalog"/>
public sealed class CacheCatalog(ContentStore store, UrlRecords urls) : ICacheCatalog
{
    public const int MaxPageSize = 500;

    public CachePage Search(string? query, CacheOrder order, int page, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var paths = PathsByHash();
        var term = query?.Trim();
        var matches = store.Entries
            .Select(e => Describe(e, paths.GetValueOrDefault(e.Hash) ?? []))
            .Where(f => string.IsNullOrEmpty(term) || Matches(f, term))
            .ToList();
        IEnumerable<CatalogFile> ordered = order switch
        {
            CacheOrder.Hits => matches.OrderByDescending(f => f.Hits).ThenByDescending(f => f.LastAccess),
            CacheOrder.Uploaded => matches.OrderByDescending(f => f.UploadedBytes).ThenByDescending(f => f.Hits),
            CacheOrder.Size => matches.OrderByDescending(f => f.Size),
            CacheOrder.Name => matches.OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase),
            _ => matches.OrderByDescending(f => f.LastAccess),
        };
        return new CachePage(matches.Count, page, pageSize, [.. ordered.Skip(page * pageSize).Take(pageSize)]);
    }

    public CatalogFile? Find(ContentHash hash)
    {
        if (store.Find(hash) is not { } entry)
            return null;
        var paths = urls.All.Where(u => u.Value.Hash == hash).Select(u => u.Key).Order(StringComparer.Ordinal).ToList();
        return Describe(entry, paths);
    }

    public CacheRemoval Remove(ContentHash hash)
    {
        if (store.Find(hash) is null)
            return CacheRemoval.NotFound;
        return store.TryRemove(hash) ? CacheRemoval.Removed : store.Find(hash) is null ? CacheRemoval.NotFound : CacheRemoval.InUse;
    }

    private Dictionary<ContentHash, List<string>> PathsByHash()
    {
        var byHash = new Dictionary<ContentHash, List<string>>();
        foreach (var (url, info) in urls.All)
        {
            if (!byHash.TryGetValue(info.Hash, out var list))
                byHash[info.Hash] = list = [];
            list.Add(url);
        }
        return byHash;
    }

    private static CatalogFile Describe(CacheEntry entry, List<string> paths)
    {
        var hex = entry.Hash.ToString();
        var name = paths.Count == 0 ? hex : FileNameOf(paths[0]);
        return new CatalogFile(hex, name, entry.Size, entry.Verified, entry.StoredAt, entry.LastAccess, entry.Hits, entry.UploadedBytes, entry.Readers, paths);
    }

    private static string FileNameOf(string urlKey)
    {
        var slash = urlKey.LastIndexOf('/');
        return slash < 0 || slash == urlKey.Length - 1 ? urlKey : urlKey[(slash + 1)..];
    }

    private static bool Matches(CatalogFile file, string term) =>
        file.Sha256.StartsWith(term, StringComparison.OrdinalIgnoreCase)
        || file.Paths.Any(p => p.Contains(term, StringComparison.OrdinalIgnoreCase));
}
