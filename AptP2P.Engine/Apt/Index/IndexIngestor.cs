using System.Collections.Concurrent;
using System.Diagnostics;
using AptP2P.Data.Index;
using AptP2P.Engine.Apt.Parsing;
using AptP2P.Engine.Apt.Trust;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Memory;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Apt.Index;

/// <summary>
/// Feeds the hash index from metadata files once they are complete and stored: parses them straight from the cache file
/// (streaming, decompressing), replaces what the same source said before, and writes the source's row with its entries in
/// one transaction of their own, so that an index is in the database whole or not at all (a crash half-way leaves no row,
/// and <see cref="Recovery.CrashRecovery"/> indexes the cached file again at the next start).
/// A Release's signature is checked first (<see cref="SignatureVerifier"/>, off the writer's thread): a <c>bad</c> one teaches
/// nothing, and the hashes of an archive that is not <c>verified</c> are kept for the cache but withheld from the swarm.
/// </summary>
public sealed partial class IndexIngestor(
    HashIndex index,
    DatabaseWriter writer,
    ContentStore store,
    UrlRecords urls,
    SignatureVerifier verifier,
    MemoryCompaction compaction,
    TimeProvider time,
    ILogger<IndexIngestor> logger)
{
    /// <summary>How long a Release without InRelease waits for its detached signature (apt asks for Release.gpg right after it).</summary>
    private static readonly TimeSpan DetachedSignatureWait = TimeSpan.FromSeconds(15);

    /// <summary>When the mirror last answered 404/410 for a suite's Release.gpg, by its URL key: a Release waits for no such signature.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _missingSignatures = new(StringComparer.Ordinal);

    /// <summary>
    /// The mirror has no file at <paramref name="url"/> (404 or 410). For a Release.gpg, the Release fetched before it stops
    /// waiting for its detached signature and is taken as unsigned at once (apt asks for Release.gpg right after Release).
    /// </summary>
    public void NoteMissing(MirrorUrl url)
    {
        if (Path.GetFileName(url.Path) == "Release.gpg")
            _missingSignatures[url.Key] = time.GetUtcNow();
    }

    /// <summary>Indexes a stored file if it is apt metadata not yet indexed with this content (under any of its names); completes when the entries are in.</summary>
    public Task IngestAsync(MirrorUrl url, ContentHash content) => IngestAsync(url.Authority, index.CanonicalPathOf(url), content);

    /// <summary>Like <see cref="IngestAsync(MirrorUrl, ContentHash)"/>, for a file known by its mirror and canonical path.</summary>
    /// <returns>Completes once the entries are committed, or the attempt has failed (and was logged).</returns>
    public Task IngestAsync(string authority, string canonicalPath, ContentHash content)
    {
        var info = MetadataFile.Classify(canonicalPath);
        if (info is null)
            return Task.CompletedTask;
        if (index.WasIngested(authority, info.SourcePath, content))
        {
            // The same Release served again after its Valid-Until (a mirror no longer updated, or one frozen by an attacker).
            if (info.Kind == MetadataKind.Release && index.ExpiredAt(authority, info.SourcePath, time.GetUtcNow()) is { } expired)
                LogExpired(authority, canonicalPath, expired);
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = index.BeginIngest(authority, info, done.Task);
        return RunAsync(authority, canonicalPath, info, content, pending, done);
    }

    private async Task RunAsync(string authority, string canonicalPath, MetadataFileInfo info, ContentHash content, IDisposable pending, TaskCompletionSource done)
    {
        // Right after start the index may still be loading: new entries go in after the stored ones, never among them.
        await index.WhenLoaded;
        SignatureCheck? signature = null;
        if (info.Kind == MetadataKind.Release)
        {
            try
            {
                signature = await CheckSignatureAsync(authority, canonicalPath, content);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                signature = new SignatureCheck(ArchiveTrust.NoSignature, null, $"the signature could not be checked: {ex.Message}");
            }
        }
        // Requests for files of this index wait for it (HashIndex.FindAsync): no write-behind delay.
        var write = writer.CommitAloneAsync("index " + authority + "/" + canonicalPath, (db, ct) =>
        {
            // Asked again while queued (apt fetching Packages.gz and Packages.xz at once): the first run did the work.
            if (index.WasIngested(authority, info.SourcePath, content))
                return Task.FromResult<Action?>(() => LogAlreadyIndexed(authority, canonicalPath));
            return IngestIntoAsync(db, authority, canonicalPath, info, content, signature, ct);
        });
        await CompleteAsync(write, authority, canonicalPath, pending, done);
        if (info.Kind != MetadataKind.Release)
            compaction.AfterBurst();
    }

    /// <summary>InRelease: its clearsigned signature; Release: its detached Release.gpg, waited for briefly.</summary>
    private async Task<SignatureCheck> CheckSignatureAsync(string authority, string canonical, ContentHash content)
    {
        using var lease = store.TryOpen(content, touch: false);
        if (lease is null)
            return new SignatureCheck(ArchiveTrust.NoSignature, null, "the Release left the cache before its signature was checked");
        await using var release = new FileStream(lease.Handle, FileAccess.Read, 1);
        if (Path.GetFileName(canonical) == "InRelease")
            return await verifier.VerifyClearsignedAsync(release, CancellationToken.None);

        var slash = canonical.LastIndexOf('/');
        var signatureKey = $"{authority}/{(slash < 0 ? "" : canonical[..(slash + 1)])}Release.gpg";
        // Only what the mirror said of Release.gpg since this Release was asked for counts: the signature of the Release it replaces
        // would make this one bad, and that Release's 404 says nothing of this one's signature.
        var releaseFetched = urls.Find($"{authority}/{canonical}")?.FetchedAt ?? DateTimeOffset.MinValue;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (urls.Find(signatureKey) is { } record && record.FetchedAt >= releaseFetched && store.TryOpen(record.Hash, touch: false) is { } signatureLease)
            {
                using (signatureLease)
                {
                    await using var signature = new FileStream(signatureLease.Handle, FileAccess.Read, 1);
                    return await verifier.VerifyDetachedAsync(release, signature, CancellationToken.None);
                }
            }
            if (_missingSignatures.TryGetValue(signatureKey, out var missing) && missing >= releaseFetched)
                return new SignatureCheck(ArchiveTrust.NoSignature, null, "the mirror has no Release.gpg for it, and it is no InRelease");
            if (waited.Elapsed > DetachedSignatureWait)
                return new SignatureCheck(ArchiveTrust.NoSignature, null, "neither InRelease nor Release.gpg was fetched for it");
            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        }
    }

    private async Task CompleteAsync(Task write, string authority, string canonicalPath, IDisposable pending, TaskCompletionSource done)
    {
        try
        {
            await write;
            index.RaiseGrew();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogIngestFailed(authority, canonicalPath, ex);
        }
        finally
        {
            pending.Dispose();
            done.TrySetResult();
        }
    }

    /// <returns>What the memory learns once the transaction has committed: before that, a crash would leave it ahead of the database.</returns>
    private async Task<Action?> IngestIntoAsync(DbSession db, string authority, string canonical, MetadataFileInfo info, ContentHash content, SignatureCheck? signature, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (db.Transaction is null)
            throw new InvalidOperationException("Ingest runs inside the writer's transaction.");
        // A Release's trust is its signature's; a Packages/Sources index inherits the trust of the Release that lists this
        // very content (an index the Release does not list, or lists with other content, is as good as unsigned).
        var trust = signature?.Trust ?? InheritedTrust(authority, canonical, content);
        var reason = signature?.Reason;
        if (trust == ArchiveTrust.Bad && info.Kind != MetadataKind.Release)
        {
            LogUnderBadRelease(authority, canonical);
            return null;
        }
        // The lease keeps the file from being evicted while it is read.
        using var lease = store.TryOpen(content, touch: false);
        if (lease is null)
        {
            LogGone(authority, canonical);
            return null;
        }
        LogIndexing(authority, canonical, content);
        // A verified InRelease is read from the text its signature covers, not from the file around it.
        await using Stream raw = signature?.SignedText is { } signed ? new MemoryStream(signed, writable: false) : new FileStream(lease.Handle, FileAccess.Read, 1);
        using var read = MetadataReader.Read(info, raw, cancellationToken);

        var source = await IndexRows.FindSourceAsync(db, authority, info.SourcePath, cancellationToken);
        var date = read.Release?.Date;
        var expires = read.Release?.ValidUntil;
        if (source is not null && source.Date is { } known && date is { } incoming && incoming < known)
        {
            LogOlderRelease(authority, canonical, incoming, known);
            var kept = source.ContentSha256;
            return () => index.MarkIngested(authority, info.SourcePath, kept);
        }
        if (trust != ArchiveTrust.Bad && read.Release?.ValidUntil is { } validUntil && validUntil < time.GetUtcNow())
        {
            // apt refuses an expired Release ("is expired"); a replay of an old signed Release must teach nothing either.
            trust = ArchiveTrust.Bad;
            reason = $"its Valid-Until {validUntil:u} has passed";
        }

        // The paths the previous version listed: those the new one drops leave memory with their rows (issue 13: an archive
        // superseded daily, as testing and unstable are, must not grow the node until it is restarted).
        List<string> previous = [];
        if (source is null)
        {
            source = new IndexSource { Mirror = authority, Path = info.SourcePath, Kind = info.Kind.ToString(), ContentSha256 = content.ToString() };
        }
        else
        {
            previous = await db.ListAsync("SELECT \"Path\" FROM \"HashEntries\" WHERE \"SourceId\" = @p0", r => r.GetString(0), cancellationToken, source.Id);
            await db.ExecuteAsync("DELETE FROM \"HashEntries\" WHERE \"SourceId\" = @p0", cancellationToken, source.Id);
        }
        source.ContentSha256 = content.ToString();
        source.Date = date;
        source.ValidUntil = expires;
        source.IngestedAt = time.GetUtcNow();
        source.Trust = trust.ToWord();
        source.SigningKey = signature?.Fingerprint;
        source.TrustReason = trust == ArchiveTrust.Verified ? null : reason;
        await IndexRows.SaveSourceAsync(db, source, cancellationToken);

        var count = 0;
        var variants = info.Kind == MetadataKind.Release && trust != ArchiveTrust.Bad ? new ReleaseVariants() : null;
        var listed = previous.Count > 0 ? new HashSet<string>(StringComparer.Ordinal) : null;
        if (trust != ArchiveTrust.Bad)
        {
            // Synchronous on purpose: Microsoft.Data.Sqlite's async calls run synchronously anyway, and this is the writer's own thread.
            count = InsertEntries(db, authority, source.Id, read.Entries, variants, trust, listed, cancellationToken);
            if (read.Stats.Failed)
                LogIncomplete(authority, canonical, read.Stats.Error ?? "unknown error", count);
        }
        source.EntryCount = count;
        await IndexRows.SaveSourceAsync(db, source, cancellationToken);
        var superseded = await SupersededAsync(db, authority, previous, listed, cancellationToken);
        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return () =>
        {
            if (info.Kind == MetadataKind.Release)
            {
                index.MarkArchive(authority, info.SourcePath, trust, expires);
                LogTrust(authority, info.SourcePath, trust.ToWord(), signature?.Fingerprint ?? reason ?? "");
            }
            if (variants is not null)
                index.LearnVariants(authority, variants);
            index.MarkIngested(authority, info.SourcePath, content.ToString());
            if (superseded.Gone.Count > 0)
            {
                var forgotten = index.Supersede(authority, superseded.Gone, superseded.StillListed);
                LogSuperseded(authority, canonical, forgotten);
            }
            LogIngested(authority, canonical, info.Kind, count, elapsed);
        };
    }

    /// <summary>Rows per lookup of superseded paths in other sources (SQLite binds at most 32,766 parameters).</summary>
    private const int PathsPerQuery = 500;

    /// <summary>
    /// The paths the previous version of a source listed and this one does not: those another source still lists (the
    /// <c>Architecture: all</c> packages of <c>binary-amd64</c> and <c>binary-i386</c>, say) stay known with that source's
    /// word; the others are forgotten.
    /// </summary>
    private static async Task<(List<string> Gone, List<(string Path, ContentHash Hash, long Size, ArchiveTrust Trust)> StillListed)> SupersededAsync(
        DbSession db, string authority, List<string> previous, HashSet<string>? listed, CancellationToken cancellationToken)
    {
        var dropped = previous.Where(p => listed is null || !listed.Contains(p)).Distinct(StringComparer.Ordinal).ToList();
        var still = new List<(string, ContentHash, long, ArchiveTrust)>();
        if (dropped.Count == 0)
            return (dropped, still);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var trustOf = new Dictionary<long, ArchiveTrust>();
        foreach (var chunk in dropped.Chunk(PathsPerQuery))
        {
            var paths = string.Join(", ", chunk.Select((_, i) => "@p" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var rows = await db.ListAsync(
                $"SELECT \"Path\", \"Sha256\", \"Size\", \"SourceId\" FROM \"HashEntries\" WHERE \"Mirror\" = @p0 AND \"Path\" IN ({paths})",
                r => (Path: r.GetString(0), Sha256: r.GetString(1), Size: r.GetInt64(2), SourceId: r.GetInt64(3)),
                cancellationToken, [authority, .. chunk]);
            foreach (var row in rows)
            {
                if (!ContentHash.TryParse(row.Sha256, out var hash) || !kept.Add(row.Path))
                    continue;
                if (!trustOf.TryGetValue(row.SourceId, out var trust))
                {
                    var word = await db.FirstOrAsync("SELECT \"Trust\" FROM \"IndexSources\" WHERE \"Id\" = @p0",
                        r => r.GetStringOrNull(0), null, cancellationToken, row.SourceId);
                    trustOf[row.SourceId] = trust = ArchiveTrustWords.Parse(word) ?? ArchiveTrust.Verified;
                }
                still.Add((row.Path, hash, row.Size, trust));
            }
        }
        return ([.. dropped.Where(p => !kept.Contains(p))], still);
    }

    private ArchiveTrust InheritedTrust(string authority, string canonical, ContentHash content)
    {
        if (index.TrustOf(authority, canonical, time.GetUtcNow()) == ArchiveTrust.Bad)
            return ArchiveTrust.Bad;
        return index.Find(authority, canonical) is { Size: not null } listed && listed.Hash == content ? listed.Trust : ArchiveTrust.NoSignature;
    }

    /// <summary>Rows per INSERT statement: one statement per row costs more in SQLite's per-statement work than in the rows.</summary>
    private const int RowsPerStatement = 128;

    /// <param name="variants">For a Release: gathers the hashes it lists for the compressions of each index.</param>
    /// <param name="listed">Gathers every path written (to tell what the previous version listed and this one does not).</param>
    private int InsertEntries(DbSession db, string authority, long sourceId, IEnumerable<IndexedFile> entries,
        ReleaseVariants? variants, ArchiveTrust trust, HashSet<string>? listed, CancellationToken cancellationToken)
    {
        using var full = CreateInsert(db, RowsPerStatement, authority, sourceId);
        var batch = new List<(IndexedFile Entry, ContentHash Hash)>(RowsPerStatement);
        var count = 0;
        var registerAliases = variants is not null;
        // Decompression and parsing run a few batches ahead on another thread while this one writes.
        foreach (var parsed in BackgroundEnumeration.InBatches(entries, RowsPerStatement, batchesAhead: 32, cancellationToken))
        {
            foreach (var entry in parsed)
            {
                if (!ContentHash.TryParse(entry.Sha256, out var hash))
                    continue;
                batch.Add((entry, hash));
                if (batch.Count == RowsPerStatement)
                    count += Flush(full, batch);
            }
        }
        if (batch.Count > 0)
        {
            using var rest = CreateInsert(db, batch.Count, authority, sourceId);
            count += Flush(rest, batch);
        }
        return count;

        int Flush(SqliteCommand command, List<(IndexedFile Entry, ContentHash Hash)> rows)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                command.Parameters[2 + i * 3].Value = rows[i].Entry.Path;
                command.Parameters[3 + i * 3].Value = rows[i].Entry.Sha256;
                command.Parameters[4 + i * 3].Value = rows[i].Entry.Size;
            }
            command.ExecuteNonQuery();
            foreach (var (entry, hash) in rows)
            {
                index.Add(authority, entry.Path, hash, entry.Size, registerAliases, trust);
                variants?.Add(entry.Path, hash);
                listed?.Add(entry.Path);
            }
            var written = rows.Count;
            rows.Clear();
            return written;
        }
    }

    private static SqliteCommand CreateInsert(DbSession db, int rows, string authority, long sourceId)
    {
        var command = db.Command("");
        var text = new System.Text.StringBuilder("INSERT INTO HashEntries (Mirror, Path, Sha256, Size, SourceId) VALUES ");
        command.Parameters.AddWithValue("$m", authority);
        command.Parameters.AddWithValue("$s", sourceId);
        for (var i = 0; i < rows; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"($m, $p{i}, $h{i}, $z{i}, $s)");
            command.Parameters.AddWithValue($"$p{i}", "");
            command.Parameters.AddWithValue($"$h{i}", "");
            command.Parameters.AddWithValue($"$z{i}", 0L);
        }
        command.CommandText = text.ToString();
        command.Prepare();
        return command;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mirror}/{Path} left the cache before it could be indexed (is the cache size limit too small?)")]
    private partial void LogGone(string mirror, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Mirror}/{Path} no longer lists {Count} files of its previous version: forgotten")]
    private partial void LogSuperseded(string mirror, string path, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Indexing {Mirror}/{Path} ({Content})")]
    private partial void LogIndexing(string mirror, string path, ContentHash content);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Mirror}/{Path} ({Kind}): {Count} files in {Elapsed} ms")]
    private partial void LogIngested(string mirror, string path, MetadataKind kind, int count, long elapsed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Mirror}/{Path} needs no indexing: the same content was indexed while it waited")]
    private partial void LogAlreadyIndexed(string mirror, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored {Mirror}/{Path}: its Date {Incoming} is older than the indexed Release's {Known}")]
    private partial void LogOlderRelease(string mirror, string path, DateTimeOffset incoming, DateTimeOffset known);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mirror}/{Path} is damaged ({Error}); indexed the {Count} entries before the damage")]
    private partial void LogIncomplete(string mirror, string path, string error, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive {Mirror}/{Suite}: signature {Trust} ({Detail})")]
    private partial void LogTrust(string mirror, string suite, string trust, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mirror}/{Path} expired at {ValidUntil:u} (its Valid-Until) and the mirror still serves it: archive bad, nothing of it is learned until a newer Release comes")]
    private partial void LogExpired(string mirror, string path, DateTimeOffset validUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not indexed {Mirror}/{Path}: the Release of its archive failed its signature check")]
    private partial void LogUnderBadRelease(string mirror, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not index {Mirror}/{Path}; files it lists pass through without a known hash")]
    private partial void LogIngestFailed(string mirror, string path, Exception exception);
}
