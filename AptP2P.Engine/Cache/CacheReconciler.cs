using System.Security.Cryptography;
using AptP2P.Data.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Persistence;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Cache;

/// <summary>What reconciliation found and did at start.</summary>
/// <param name="Changed">Files written to after they were stored whose content no longer matches their name: removed.</param>
public sealed record ReconcileReport(int Kept, int Vanished, int Resized, int Changed, int Adopted, int Discarded, int PartialsRemoved)
{
    /// <summary>Files whose content was hashed during this reconciliation and matched their name.</summary>
    public IReadOnlySet<ContentHash> Hashed { get; init; } = new HashSet<ContentHash>();
}

/// <summary>
/// Brings the cache directory and the database back into agreement at start: rows whose file vanished or changed size are
/// forgotten, files modified after they were stored are hashed again and dropped if they no longer match, files the
/// database does not know are hashed and adopted only if their content matches their name, and leftover partial files are
/// removed. Nothing unverified is ever served.
/// </summary>
public sealed partial class CacheReconciler(
    DataDirectory directory,
    NodeDatabase database,
    ContentStore store,
    UrlRecords urls,
    ILogger<CacheReconciler> logger)
{
    public async Task<ReconcileReport> ReconcileAsync(CancellationToken cancellationToken)
    {
        directory.EnsureCreated();
        var partials = RemovePartials();

        await using var db = await database.OpenAsync(cancellationToken);
        var rows = await db.ListAsync(CacheRows.SelectCachedFiles, CacheRows.ReadCachedFile, cancellationToken);
        var known = new HashSet<string>(StringComparer.Ordinal);
        var gone = new List<string>();
        var hashed = new HashSet<ContentHash>();
        int kept = 0, vanished = 0, resized = 0, changed = 0;

        foreach (var row in rows)
        {
            var path = ContentHash.TryParse(row.Sha256, out var hash) ? directory.PathOf(hash) : null;
            var info = path is null ? null : new FileInfo(path);
            if (info is null || !info.Exists)
            {
                vanished++;
                gone.Add(row.Sha256);
                continue;
            }
            if (info.Length != row.Size)
            {
                resized++;
                gone.Add(row.Sha256);
                info.Delete();
                continue;
            }
            if (info.LastWriteTimeUtc > row.StoredAt.UtcDateTime)
            {
                // Written to after we stored it (a file is complete before it is moved in): only its content can tell.
                if (await HashOfAsync(path!, cancellationToken) != hash)
                {
                    LogChanged(hash, info.LastWriteTimeUtc, row.StoredAt);
                    changed++;
                    gone.Add(row.Sha256);
                    info.Delete();
                    continue;
                }
                hashed.Add(hash);
            }
            known.Add(row.Sha256);
            store.Load(row);
            kept++;
        }

        var (adopted, discarded) = await AdoptStrangersAsync(db, known, hashed, cancellationToken);

        if (gone.Count > 0)
        {
            await db.BeginTransactionAsync(cancellationToken);
            foreach (var sha in gone)
                await CacheRows.ForgetAsync(db, sha, cancellationToken);
            await db.CommitAsync(cancellationToken);
        }

        await foreach (var record in db.StreamAsync(CacheRows.SelectUrlRecords, CacheRows.ReadUrlRecord, cancellationToken))
            urls.Load(record);

        var report = new ReconcileReport(kept, vanished, resized, changed, adopted, discarded, partials) { Hashed = hashed };
        LogReconciled(directory.Cache, report.Kept, report.Vanished, report.Resized, report.Changed, report.Adopted, report.Discarded, report.PartialsRemoved);
        return report;
    }

    private int RemovePartials()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory.Partial))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>Files on disk without a row: kept only when their content hashes to their name (a lost database, say).</summary>
    private async Task<(int Adopted, int Discarded)> AdoptStrangersAsync(DbSession db, HashSet<string> known, HashSet<ContentHash> hashed, CancellationToken cancellationToken)
    {
        int adopted = 0, discarded = 0;
        var rows = new List<CachedFile>();
        foreach (var file in Directory.EnumerateFiles(directory.Cache, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (known.Contains(name))
                continue;
            if (ContentHash.TryParseStrict(name, out var hash) && file == directory.PathOf(hash) && await HashOfAsync(file, cancellationToken) == hash)
            {
                var now = DateTimeOffset.UtcNow;
                var row = new CachedFile { Sha256 = name, Size = new FileInfo(file).Length, StoredAt = now, LastAccessAt = now, Verified = false };
                rows.Add(row);
                store.Load(row);
                hashed.Add(hash);
                adopted++;
            }
            else
            {
                File.Delete(file);
                discarded++;
            }
        }
        if (rows.Count > 0)
        {
            await db.BeginTransactionAsync(cancellationToken);
            foreach (var row in rows)
                await CacheRows.StoreAsync(db, row, cancellationToken);
            await db.CommitAsync(cancellationToken);
        }
        return (adopted, discarded);
    }

    private static async Task<ContentHash> HashOfAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var digest = await SHA256.HashDataAsync(stream, cancellationToken);
        return new ContentHash(digest);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cache {Path} reconciled: {Kept} kept, {Vanished} vanished, {Resized} resized, {Changed} changed on disk, {Adopted} adopted, {Discarded} discarded, {Partials} partial files removed")]
    private partial void LogReconciled(string path, int kept, int vanished, int resized, int changed, int adopted, int discarded, int partials);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache file {Hash} was modified at {Modified} after it was stored at {StoredAt} and no longer matches its hash; removed")]
    private partial void LogChanged(ContentHash hash, DateTime modified, DateTimeOffset storedAt);
}
