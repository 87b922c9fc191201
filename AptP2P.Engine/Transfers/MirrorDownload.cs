using System.Security.Cryptography;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers.Bodies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers;

/// <summary>
/// Runs one transfer from the mirror: request (conditional when revalidating), checks on the head, the body streamed to the
/// partial file while it is hashed, a resume with Range if the mirror drops a hashed file half-way, the whole-file check, and
/// the move into the store.
/// </summary>
public sealed partial class MirrorDownload(
    MirrorClient client,
    ContentStore store,
    PieceListStore pieceLists,
    Peers.Announcer announcer,
    UrlRecords urls,
    TrafficStatistics statistics,
    BodyReader bodies,
    IOptionsMonitor<AptP2POptions> options,
    TimeProvider time,
    ILogger<MirrorDownload> logger)
{
    private const int BufferSize = 128 * 1024;
    private const int MaxAttempts = 3;

    /// <param name="revalidate">For a file without a known hash: the copy we hold, whose Last-Modified makes the request conditional.</param>
    public async Task RunAsync(Transfer transfer, UrlInfo? revalidate, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var (result, detail) = await DownloadAsync(transfer, revalidate, cancellationToken);
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
        logger.Fetched(transfer.Url.Key, SourceNames.Mirror, transfer.BytesWritten, (long)elapsed, result, detail ?? "");
    }

    private async Task<(TransferResult Result, string? Detail)> DownloadAsync(Transfer transfer, UrlInfo? revalidate, CancellationToken cancellationToken)
    {
        FileStream? file = null;
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // A verified file of several pieces about to be announced has its piece list hashed in the same pass, never read back.
        using var pieces = transfer is { ExpectedHash: not null, ExpectedSize: { } size } && !PieceList.IsSinglePiece(size) && announcer.AnnouncesAtOnce
            ? new PieceHasher(size)
            : null;
        try
        {
            file = new FileStream(transfer.PartialPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            TransferHead? head = null;
            var request = new MirrorRequest(transfer.Url) { IfModifiedSince = revalidate?.LastModified };

            for (var attempt = 1; ; attempt++)
            {
                var sent = await client.SendAsync(request, cancellationToken);
                if (sent.Failure is { } failure)
                    return Fail(transfer, failure, head is null);

                using var response = sent.Response!;
                var resuming = request.RangeStart is not null;
                if (head is null)
                {
                    var decided = DecideHead(transfer, response, revalidate);
                    if (decided.Kind != HeadKind.Body)
                    {
                        transfer.SetHead(decided);
                        var result = decided.Kind switch
                        {
                            HeadKind.NotModified => TransferResult.NotModified,
                            HeadKind.UpstreamStatus => TransferResult.UpstreamStatus,
                            _ => TransferResult.Failed,
                        };
                        transfer.End(result, decided.Reason ?? $"mirror answered {response.Status}");
                        return (result, decided.Reason ?? response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    head = decided;
                    transfer.SetHead(head);
                }
                else if (resuming && response.Status == 206 && response.RangeStart == file.Position)
                {
                    LogResumed(transfer.Url.Key, file.Position);
                }
                else if (response.Status == 200 && transfer.ExpectedHash is not null)
                {
                    // The mirror ignored the range: start over; the final hash check still guards the result.
                    file.SetLength(0);
                    file.Position = 0;
                    hasher.GetHashAndReset();
                    pieces?.Reset();
                    transfer.Restart();
                }
                else
                {
                    return End(transfer, TransferResult.Failed, $"mirror answered {response.Status} to a resume request");
                }

                var copied = await CopyBodyAsync(transfer, response.Body, file, hasher, pieces, cancellationToken);
                if (copied is null)
                    break;
                if (transfer.ExpectedHash is null || attempt >= MaxAttempts)
                    return End(transfer, TransferResult.Failed, copied);
                LogRetrying(transfer.Url.Key, copied, file.Position);
                request = request with { IfModifiedSince = null, RangeStart = file.Position, IfRange = head.LastModified };
            }

            var length = file.Length;
            await file.FlushAsync(cancellationToken);
            await file.DisposeAsync();
            file = null;

            if (transfer.Length is { } expectedLength && length != expectedLength)
                return End(transfer, TransferResult.Failed, $"mirror sent {length} bytes, expected {expectedLength}");

            var hash = ContentHash.FromHasher(hasher);
            if (transfer.ExpectedHash is { } expected && hash != expected)
            {
                statistics.HashMismatch();
                LogMismatch(transfer.Url.Key, expected, hash);
                return End(transfer, TransferResult.HashMismatch, $"hash mismatch: the mirror's file has SHA-256 {hash}, the archive metadata says {expected}");
            }

            // The URL's record (the mirror's date and type) is set before readers are released: a HEAD right after apt's last
            // byte must already replay them.
            transfer.Complete(() =>
            {
                var entry = store.Add(transfer.PartialPath, hash, length, verified: transfer.ExpectedHash is not null);
                if (pieces?.Result is { } list)
                    pieceLists.Keep(hash, list);
                urls.Set(transfer.Url.Key, new UrlInfo(hash, length, head!.LastModified, head.ContentType, head.ETag, transfer.StartedAt));
                return entry;
            });
            return (TransferResult.Stored, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return End(transfer, TransferResult.Failed, "shutting down");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return End(transfer, TransferResult.Failed, $"local I/O error: {ex.Message}");
        }
        finally
        {
            if (file is not null)
                await file.DisposeAsync();
            if (!transfer.Completion.IsCompletedSuccessfully || transfer.Completion.Result != TransferResult.Stored)
                TryDelete(transfer.PartialPath);
        }
    }

    private static TransferHead DecideHead(Transfer transfer, MirrorResponse response, UrlInfo? revalidate)
    {
        if (response.Status == 304 && revalidate is not null)
            return new TransferHead(HeadKind.NotModified, revalidate.Size, revalidate.LastModified, revalidate.ContentType, revalidate.ETag);
        if (response.Status != 200)
        {
            return new TransferHead(HeadKind.UpstreamStatus, null, null, null, null)
            {
                UpstreamStatus = response.Status,
                Reason = $"mirror answered {response.Status} for {response.FinalUri}",
            };
        }
        if (response.HasContentEncoding)
            return Refuse("the mirror applied a content encoding");
        if (transfer.ExpectedSize is { } size && response.ContentLength is { } length && length != size)
            return Refuse($"the mirror's file has {length} bytes, the archive metadata says {size}");
        return new TransferHead(HeadKind.Body, transfer.ExpectedSize ?? response.ContentLength, response.LastModified, response.ContentType, response.ETag);

        static TransferHead Refuse(string reason) =>
            new(HeadKind.Failed, null, null, null, null) { Failure = MirrorFailureKind.BadResponse, Reason = reason };
    }

    /// <summary>Copies until the body ends; returns null on success or the reason the body broke off.</summary>
    private async Task<string?> CopyBodyAsync(Transfer transfer, Stream body, FileStream file, IncrementalHash hasher, PieceHasher? pieces, CancellationToken cancellationToken)
    {
        var stall = TimeSpan.FromSeconds(options.CurrentValue.Mirror.StallTimeoutSeconds);
        var sink = new FileSink(transfer, file, hasher, pieces, statistics);
        var read = await bodies.ReadAsync(body, sink, long.MaxValue, stall, BufferSize, cancellationToken);
        return read.Status switch
        {
            BodyReadStatus.TimedOut => $"the mirror sent nothing for {stall.TotalSeconds:0} s",
            BodyReadStatus.Failed => $"the mirror connection broke: {read.Error!.Message}",
            BodyReadStatus.Stopped => $"the mirror sent more than the expected {transfer.Length} bytes",
            _ => transfer.Length is { } expected && file.Position < expected ? $"the mirror closed after {file.Position} of {expected} bytes" : null,
        };
    }

    /// <summary>The body into the partial file and the hash; refuses bytes past the expected length.</summary>
    private sealed class FileSink(Transfer transfer, FileStream file, IncrementalHash hasher, PieceHasher? pieces, TrafficStatistics statistics) : IBodySink
    {
        public bool Accept(ReadOnlySpan<byte> chunk)
        {
            if (transfer.Length is { } max && file.Position + chunk.Length > max)
                return false;
            // A synchronous write lands in the page cache in microseconds; an async one would hop threads to do the same.
            // Readers may have the bytes before they are hashed: the held-back tail waits for the whole-file check anyway.
            file.Write(chunk);
            transfer.Advance(chunk.Length);
            hasher.AppendData(chunk);
            pieces?.Append(chunk);
            statistics.AddMirrorBytes(chunk.Length);
            transfer.AddSourceBytes(SourceNames.Mirror, chunk.Length);
            return true;
        }
    }

    private static (TransferResult, string?) Fail(Transfer transfer, MirrorFailure failure, bool beforeHead)
    {
        if (beforeHead)
            transfer.SetHead(TransferHead.Failed(failure));
        return End(transfer, TransferResult.Failed, failure.Reason);
    }

    private static (TransferResult, string?) End(Transfer transfer, TransferResult result, string reason)
    {
        transfer.End(result, reason);
        return (result, reason);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            LogDeleteFailed(path, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hash mismatch for {Url}: expected {Expected}, mirror sent {Actual}; not cached")]
    private partial void LogMismatch(string url, ContentHash expected, ContentHash actual);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mirror dropped {Url} ({Reason}); resuming at byte {Offset}")]
    private partial void LogRetrying(string url, string reason, long offset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resumed {Url} at byte {Offset}")]
    private partial void LogResumed(string url, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete partial file {Path}")]
    private partial void LogDeleteFailed(string path, Exception exception);
}
