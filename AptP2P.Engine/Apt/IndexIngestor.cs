using System.Data.Common;
using System.Diagnostics;
using AptP2P.Data;
using AptP2P.Data.Index;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Apt;

/// <summary>
/// Feeds the hash index from metadata files once they are complete and stored: parses them straight from the cache file
/// (streaming, decompressing), replaces what the same source said before, and writes the entries in one transaction.
/// </summary>
public sealed partial class IndexIngestor(
    HashIndex index,
    DatabaseWriter writer,
    DataDirectory directory,
    TimeProvider time,
    ILogger<IndexIngestor> logger)
{
    /// <summary>Indexes a stored file if it is apt metadata not yet indexed in this version; completes when the entries are in.</summary>
    public Task IngestAsync(MirrorUrl url, ContentHash content)
    {
        var canonical = index.CanonicalPathOf(url);
        var info = MetadataFile.Classify(canonical);
        if (info is null || index.WasIngested(url.Authority, info.SourcePath, content))
            return Task.CompletedTask;

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = index.BeginIngest(url.Authority, info.BaseDirectory, done.Task);
        writer.Enqueue("index " + canonical, async (db, ct) =>
        {
            try
            {
                await IngestIntoAsync(db, url.Authority, canonical, info, content, ct);
                done.TrySetResult();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogIngestFailed(url.Authority, canonical, ex);
                done.TrySetResult();
            }
            finally
            {
                pending.Dispose();
            }
        });
        return done.Task;
    }

    private async Task IngestIntoAsync(AptDb db, string authority, string canonical, MetadataFileInfo info, ContentHash content, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("Ingest runs inside the writer's transaction.");
        await transaction.CreateSavepointAsync("ingest", cancellationToken);
        try
        {
            await using var raw = new FileStream(directory.PathOf(content), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
            using var read = MetadataReader.Read(info, raw, cancellationToken);

            var source = await db.IndexSources.FirstOrDefaultAsync(s => s.Mirror == authority && s.Path == info.SourcePath, cancellationToken);
            var date = read.Release?.Date;
            if (source is not null && source.Date is { } known && date is { } incoming && incoming < known)
            {
                LogOlderRelease(authority, canonical, incoming, known);
                index.MarkIngested(authority, info.SourcePath, source.ContentSha256);
                return;
            }

            if (source is null)
            {
                source = new IndexSource { Mirror = authority, Path = info.SourcePath, Kind = info.Kind.ToString(), ContentSha256 = content.ToString() };
                db.IndexSources.Add(source);
            }
            else
            {
                await db.HashEntries.Where(e => e.SourceId == source.Id).ExecuteDeleteAsync(cancellationToken);
            }
            source.ContentSha256 = content.ToString();
            source.Date = date;
            source.IngestedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);

            var count = await InsertEntriesAsync(db, transaction, authority, source.Id, read.Entries, cancellationToken);
            if (read.Stats.Failed)
                LogIncomplete(authority, canonical, read.Stats.Error ?? "unknown error", count);
            source.EntryCount = count;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.ReleaseSavepointAsync("ingest", cancellationToken);
            index.MarkIngested(authority, info.SourcePath, content.ToString());
            LogIngested(authority, canonical, info.Kind, count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch
        {
            await transaction.RollbackToSavepointAsync("ingest", CancellationToken.None);
            throw;
        }
    }

    private async Task<int> InsertEntriesAsync(AptDb db, IDbContextTransaction transaction, string authority, long sourceId, IEnumerable<IndexedFile> entries, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = "INSERT INTO HashEntries (Mirror, Path, Sha256, Size, SourceId) VALUES ($mirror, $path, $sha, $size, $source)";
        AddParameter(command, "$mirror", authority);
        var path = AddParameter(command, "$path", "");
        var sha = AddParameter(command, "$sha", "");
        var size = AddParameter(command, "$size", 0L);
        AddParameter(command, "$source", sourceId);
        await command.PrepareAsync(cancellationToken);

        var count = 0;
        foreach (var entry in entries)
        {
            if (!ContentHash.TryParse(entry.Sha256, out var hash))
                continue;
            path.Value = entry.Path;
            sha.Value = entry.Sha256;
            size.Value = entry.Size;
            await command.ExecuteNonQueryAsync(cancellationToken);
            index.Add(authority, entry.Path, hash, entry.Size);
            count++;
        }
        return count;
    }

    private static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Mirror}/{Path} ({Kind}): {Count} files in {Elapsed} ms")]
    private partial void LogIngested(string mirror, string path, MetadataKind kind, int count, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored {Mirror}/{Path}: its Date {Incoming} is older than the indexed Release's {Known}")]
    private partial void LogOlderRelease(string mirror, string path, DateTimeOffset incoming, DateTimeOffset known);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mirror}/{Path} is damaged ({Error}); indexed the {Count} entries before the damage")]
    private partial void LogIncomplete(string mirror, string path, string error, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not index {Mirror}/{Path}; files it lists pass through without a known hash")]
    private partial void LogIngestFailed(string mirror, string path, Exception exception);
}
