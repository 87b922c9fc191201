using System.Diagnostics;
using System.Security.Cryptography;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Persistence;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Recovery;

/// <summary>What the crash recovery redid at start.</summary>
/// <param name="Reindexed">Index files indexed again from their cached copy.</param>
/// <param name="Entries">Entries the hash index gained meanwhile.</param>
/// <param name="Verified">Cached files hashed again, found in the index and marked verified.</param>
/// <param name="Removed">Cached files whose content did not match their hash.</param>
/// <param name="Recorded">URL records restored from the index for verified files that had none.</param>
public sealed record RecoveryReport(int Reindexed, int Entries, int Verified, int Removed, int Recorded, TimeSpan Elapsed);

/// <summary>
/// Redoes at start, from what the cache holds, what a crash (<c>kill -9</c>, power loss) kept from the database: write-behind
/// saves the request path a transaction per file, and an index is committed whole or not at all, so after a crash a cached
/// index file may have no entries yet and a cached file may lack the record that makes it verified. Runs in the background
/// once the cache is reconciled and the index loaded; apt needs to do nothing.
/// </summary>
public sealed partial class CrashRecovery(
    HashIndex index,
    IndexIngestor ingestor,
    ContentStore store,
    UrlRecords urls,
    Announcer announcer,
    NodeDatabase database,
    ILogger<CrashRecovery> logger)
{
    public async Task<RecoveryReport> RecoverAsync(ReconcileReport reconciled, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var entriesBefore = index.Count;
        // Releases first: the indexes they list, and so what else to index, follow from them.
        var reindexed = await ReindexAsync(await RecordedIndexFilesAsync(releases: true, cancellationToken), cancellationToken);
        reindexed += await ReindexAsync([.. ListedIndexFiles(), .. await RecordedIndexFilesAsync(releases: false, cancellationToken)], cancellationToken);
        var (verified, removed) = await VerifyAgainAsync(reconciled.Hashed, cancellationToken);
        var recorded = await RestoreUrlRecordsAsync(cancellationToken);

        var report = new RecoveryReport(reindexed, index.Count - entriesBefore, verified, removed, recorded, Stopwatch.GetElapsedTime(started));
        LogRecovered(report.Reindexed, report.Entries, report.Verified, report.Removed, report.Recorded, (long)report.Elapsed.TotalMilliseconds);
        return report;
    }

    /// <summary>Index files the newest Releases list whose cached copy is not what their index was made from.</summary>
    private IEnumerable<IndexFile> ListedIndexFiles() =>
        index.ListedIndexFiles()
            .Where(f => store.Contains(f.Hash) && !WasIngested(f.Authority, f.Path, f.Hash))
            .Select(f => new IndexFile(f.Authority, f.Path, f.Hash));

    /// <summary>
    /// Metadata files the URL records name (Release files, and indexes no Release lists, as in flat repositories) that were
    /// fetched after their source was last indexed, or never indexed at all.
    /// </summary>
    private async Task<List<IndexFile>> RecordedIndexFilesAsync(bool releases, CancellationToken cancellationToken)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var ingestedAt = (await db.ListAsync("SELECT \"Mirror\", \"Path\", \"IngestedAt\" FROM \"IndexSources\"",
                r => (Key: r.GetString(0) + "/" + r.GetString(1), At: r.GetDateTimeOffset(2)), cancellationToken))
            .ToDictionary(s => s.Key, s => s.At, StringComparer.Ordinal);
        var found = new List<IndexFile>();
        foreach (var (key, record) in urls.All)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !store.Contains(record.Hash))
                continue;
            var authority = key[..slash];
            var path = index.CanonicalPathOf(authority, key[(slash + 1)..]);
            if (MetadataFile.Classify(path) is not { } info || (info.Kind == MetadataKind.Release) != releases)
                continue;
            // An index a Release lists is indexed from the content that Release gives (ListedIndexFiles), never from an older copy.
            if (!releases && index.IsListedByRelease(authority, info.SourcePath))
                continue;
            if (index.WasIngested(authority, info.SourcePath, record.Hash)
                || (ingestedAt.TryGetValue(authority + "/" + info.SourcePath, out var at) && at >= record.FetchedAt))
            {
                continue;
            }

            found.Add(new IndexFile(authority, path, record.Hash));
        }
        return found;
    }

    private bool WasIngested(string authority, string path, ContentHash hash) =>
        MetadataFile.Classify(path) is not { } info || index.WasIngested(authority, info.SourcePath, hash);

    /// <summary>One file per index (the others are its compressions), one after the other, as apt would have fetched them.</summary>
    private async Task<int> ReindexAsync(IReadOnlyList<IndexFile> files, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var file in files.DistinctBy(f => (f.Authority, MetadataFile.Classify(f.Path)!.SourcePath)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (WasIngested(file.Authority, file.Path, file.Hash))
                continue;
            LogReindexing(file.Authority, file.Path);
            await ingestor.IngestAsync(file.Authority, file.Path, file.Hash);
            if (WasIngested(file.Authority, file.Path, file.Hash))
                done++;
        }
        return done;
    }

    /// <summary>
    /// Cached files not marked verified whose hash and size the index lists (their record was lost, or they were fetched
    /// before their index): hashed again, marked verified and announced, or removed when the content does not match.
    /// </summary>
    /// <param name="hashed">Files the reconciliation has just hashed: not read a second time.</param>
    private async Task<(int Verified, int Removed)> VerifyAgainAsync(IReadOnlySet<ContentHash> hashed, CancellationToken cancellationToken)
    {
        int verified = 0, removed = 0;
        foreach (var entry in store.Entries.Where(e => !e.Verified && e.ExternalPath is null && index.Lists(e.Hash, e.Size)).ToList())
        {
            if (hashed.Contains(entry.Hash) || await ContentMatchesAsync(entry, cancellationToken) is true)
            {
                store.MarkVerified(entry);
                announcer.Announce(entry);
                verified++;
            }
            else if (store.Find(entry.Hash) == entry && store.TryRemove(entry.Hash))
            {
                LogMismatch(entry.Hash);
                removed++;
            }
        }
        return (verified, removed);
    }

    /// <returns>null when the file left the cache meanwhile.</returns>
    private async Task<bool?> ContentMatchesAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        using var lease = store.TryOpen(entry.Hash, touch: false);
        if (lease is null)
            return null;
        await using var stream = new FileStream(lease.Handle, FileAccess.Read, 1);
        return new ContentHash(await SHA256.HashDataAsync(stream, cancellationToken)) == entry.Hash;
    }

    /// <summary>Verified files without any URL record (lost with their write-behind batch) get the paths the index lists them under.</summary>
    private async Task<int> RestoreUrlRecordsAsync(CancellationToken cancellationToken)
    {
        var recorded = urls.All.Select(u => u.Value.Hash).ToHashSet();
        var missing = store.Entries.Where(e => e.Verified && e.ExternalPath is null && !recorded.Contains(e.Hash)).ToDictionary(e => e.Hash);
        if (missing.Count == 0)
            return 0;
        var restored = 0;
        Dictionary<ContentHash, List<string>> listing;
        await using (var db = await database.OpenAsync(cancellationToken))
            listing = await HashIndex.UrlsListingAsync(db, missing.Keys.ToHashSet(), cancellationToken);
        foreach (var (hash, keys) in listing)
        {
            var entry = missing[hash];
            foreach (var key in keys)
            {
                urls.Set(key, new UrlInfo(hash, entry.Size, LastModified: null, ContentType: null, ETag: null, FetchedAt: entry.StoredAt));
                restored++;
            }
        }
        return restored;
    }

    private sealed record IndexFile(string Authority, string Path, ContentHash Hash);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Indexing {Mirror}/{Path} again from the cache: its index was not complete")]
    private partial void LogReindexing(string mirror, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache file {Hash} does not match its hash; removed")]
    private partial void LogMismatch(ContentHash hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Crash recovery: {Reindexed} index files indexed again ({Entries} entries), {Verified} cached files verified again, {Removed} removed, {Recorded} URL records restored, in {Elapsed} ms")]
    private partial void LogRecovered(int reindexed, int entries, int verified, int removed, int recorded, long elapsed);
}
