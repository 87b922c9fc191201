using AptP2P.Data.Index;
using AptP2P.Engine.Persistence;
using Microsoft.Data.Sqlite;

namespace AptP2P.Engine.Apt.Index;

/// <summary>The SQL of the index's tables, <c>IndexSources</c> and <c>HashEntries</c> (their schema: AptP2P.Data/Index).</summary>
internal static class IndexRows
{
    private const string SourceColumns =
        "\"Id\", \"Mirror\", \"Path\", \"Kind\", \"ContentSha256\", \"Date\", \"ValidUntil\", \"IngestedAt\", \"EntryCount\", \"Trust\", \"SigningKey\", \"TrustReason\"";

    public const string SelectSources = "SELECT " + SourceColumns + " FROM \"IndexSources\"";

    /// <summary>A row of <see cref="SelectSources"/>.</summary>
    public static IndexSource ReadSource(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Mirror = r.GetString(1),
        Path = r.GetString(2),
        Kind = r.GetString(3),
        ContentSha256 = r.GetString(4),
        Date = r.GetDateTimeOffsetOrNull(5),
        ValidUntil = r.GetDateTimeOffsetOrNull(6),
        IngestedAt = r.GetDateTimeOffset(7),
        EntryCount = r.GetInt32(8),
        Trust = r.GetStringOrNull(9),
        SigningKey = r.GetStringOrNull(10),
        TrustReason = r.GetStringOrNull(11),
    };

    public static Task<IndexSource?> FindSourceAsync(DbSession db, string mirror, string path, CancellationToken cancellationToken) =>
        db.FirstOrAsync<IndexSource?>(SelectSources + " WHERE \"Mirror\" = @p0 AND \"Path\" = @p1", ReadSource, null, cancellationToken, mirror, path);

    /// <summary>Writes a source's row: inserted when its <see cref="IndexSource.Id"/> is 0 (which then gets the new id), else updated.</summary>
    public static async Task SaveSourceAsync(DbSession db, IndexSource source, CancellationToken cancellationToken)
    {
        object?[] values = [source.Mirror, source.Path, source.Kind, source.ContentSha256, source.Date, source.ValidUntil, source.IngestedAt,
            source.EntryCount, source.Trust, source.SigningKey, source.TrustReason];
        if (source.Id == 0)
        {
            source.Id = await db.FirstOrAsync(
                "INSERT INTO \"IndexSources\" (\"Mirror\", \"Path\", \"Kind\", \"ContentSha256\", \"Date\", \"ValidUntil\", \"IngestedAt\", \"EntryCount\", \"Trust\", \"SigningKey\", \"TrustReason\") "
                + "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10) RETURNING \"Id\"",
                r => r.GetInt64(0), 0L, cancellationToken, values);
            return;
        }
        await db.ExecuteAsync(
            "UPDATE \"IndexSources\" SET \"Mirror\" = @p0, \"Path\" = @p1, \"Kind\" = @p2, \"ContentSha256\" = @p3, \"Date\" = @p4, \"ValidUntil\" = @p5, "
            + "\"IngestedAt\" = @p6, \"EntryCount\" = @p7, \"Trust\" = @p8, \"SigningKey\" = @p9, \"TrustReason\" = @p10 WHERE \"Id\" = @p11",
            cancellationToken, [.. values, source.Id]);
    }
}
