using System.Collections.Concurrent;
using AptP2P.Data.Cache;
using AptP2P.Engine.Persistence;

namespace AptP2P.Engine.Cache;

/// <summary>
/// What the mirror said about a URL when we last fetched it: which content, and the headers apt expects again.
/// <see cref="FetchedAt"/> is when the request went out: a client may have all of a file and ask for the next one before its
/// transfer has ended (a Release's Release.gpg, say).
/// </summary>
public sealed record UrlInfo(ContentHash Hash, long Size, DateTimeOffset? LastModified, string? ContentType, string? ETag, DateTimeOffset FetchedAt);

/// <summary>
/// URL → content and headers, in memory with a write-behind copy in the database. This is how the last good copy of a file
/// without a known hash (InRelease, Release …) is found by mirror path, and how a mirror's Last-Modified is replayed on cache hits.
/// </summary>
public sealed class UrlRecords(DatabaseWriter writer)
{
    private readonly ConcurrentDictionary<string, UrlInfo> _records = new(StringComparer.Ordinal);

    public int Count => _records.Count;

    public UrlInfo? Find(string urlKey) => _records.GetValueOrDefault(urlKey);

    /// <summary>Every URL record (URL key → what it holds), e.g. to find cached files by package name or path.</summary>
    public IEnumerable<KeyValuePair<string, UrlInfo>> All => _records;

    public void Set(string urlKey, UrlInfo info)
    {
        _records[urlKey] = info;
        var row = ToRow(urlKey, info);
        writer.Enqueue("url record", (db, ct) => CacheRows.StoreAsync(db, row, ct));
    }

    internal void Load(UrlRecord row)
    {
        if (ContentHash.TryParse(row.Sha256, out var hash))
            _records[row.Url] = new UrlInfo(hash, row.Size, row.LastModified, row.ContentType, row.ETag, row.FetchedAt);
    }

    private static UrlRecord ToRow(string url, UrlInfo info) => new()
    {
        Url = url,
        Sha256 = info.Hash.ToString(),
        Size = info.Size,
        LastModified = info.LastModified,
        ContentType = info.ContentType,
        ETag = info.ETag,
        FetchedAt = info.FetchedAt,
    };
}
