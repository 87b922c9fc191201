using AptP2P.Data.Cache;
using AptP2P.Engine.Persistence;
using Microsoft.Data.Sqlite;

namespace AptP2P.Engine.Cache;

/// <summary>The SQL of the cache's tables, <c>CachedFiles</c> and <c>UrlRecords</c> (their schema: AptP2P.Data/Cache).</summary>
internal static class CacheRows
{
    private const string CachedFileColumns = "\"Sha256\", \"Size\", \"StoredAt\", \"LastAccessAt\", \"Verified\", \"Hits\", \"UploadedBytes\"";
    private const string UrlRecordColumns = "\"Url\", \"Sha256\", \"Size\", \"LastModified\", \"ContentType\", \"ETag\", \"FetchedAt\"";

    public const string SelectCachedFiles = "SELECT " + CachedFileColumns + " FROM \"CachedFiles\"";
    public const string SelectUrlRecords = "SELECT " + UrlRecordColumns + " FROM \"UrlRecords\"";

    /// <summary>Stores a file's row, replacing a row of the same content (its piece list too: the file is a new copy).</summary>
    public static Task StoreAsync(DbSession db, CachedFile row, CancellationToken cancellationToken) => db.ExecuteAsync(
        "INSERT OR REPLACE INTO \"CachedFiles\" (" + CachedFileColumns + ") VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)",
        cancellationToken, row.Sha256, row.Size, row.StoredAt, row.LastAccessAt, row.Verified, row.Hits, row.UploadedBytes);

    public static Task StoreAsync(DbSession db, UrlRecord row, CancellationToken cancellationToken) => db.ExecuteAsync(
        "INSERT OR REPLACE INTO \"UrlRecords\" (" + UrlRecordColumns + ") VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)",
        cancellationToken, row.Url, row.Sha256, row.Size, row.LastModified, row.ContentType, row.ETag, row.FetchedAt);

    /// <summary>Forgets a file: its row and the URL records naming it.</summary>
    public static async Task ForgetAsync(DbSession db, string sha256, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("DELETE FROM \"CachedFiles\" WHERE \"Sha256\" = @p0", cancellationToken, sha256);
        await db.ExecuteAsync("DELETE FROM \"UrlRecords\" WHERE \"Sha256\" = @p0", cancellationToken, sha256);
    }

    /// <summary>A row of <see cref="SelectCachedFiles"/>.</summary>
    public static CachedFile ReadCachedFile(SqliteDataReader r) => new()
    {
        Sha256 = r.GetString(0),
        Size = r.GetInt64(1),
        StoredAt = r.GetDateTimeOffset(2),
        LastAccessAt = r.GetDateTimeOffset(3),
        Verified = r.GetBoolean(4),
        Hits = r.GetInt64(5),
        UploadedBytes = r.GetInt64(6),
    };

    /// <summary>A row of <see cref="SelectUrlRecords"/>.</summary>
    public static UrlRecord ReadUrlRecord(SqliteDataReader r) => new()
    {
        Url = r.GetString(0),
        Sha256 = r.GetString(1),
        Size = r.GetInt64(2),
        LastModified = r.GetDateTimeOffsetOrNull(3),
        ContentType = r.GetStringOrNull(4),
        ETag = r.GetStringOrNull(5),
        FetchedAt = r.GetDateTimeOffset(6),
    };
}
