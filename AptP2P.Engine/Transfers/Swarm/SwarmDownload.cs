using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Downloads a file in pieces along a <see cref="SwarmPlan"/>: pieces come from every peer in parallel (lowest first,
/// duplicated at the end) and from the mirror as one more range source when the peers are idle or too slow. Every piece is
/// checked as it arrives and the whole file at the end; a list whose pieces all match but whose file does not is distrusted.
/// </summary>
public sealed partial class SwarmDownload(
    SwarmFinder finder,
    PeerSource peers,
    MirrorRangeSource mirror,
    ContentStore store,
    PieceListStore pieceLists,
    UrlRecords urls,
    TrafficStatistics statistics,
    IOptionsMonitor<PeerOptions> options,
    TimeProvider time,
    ILogger<SwarmDownload> logger)
{
    public async Task RunAsync(SwarmPlan plan, CancellationToken cancellationToken)
    {
        var transfer = plan.Transfer;
        var list = plan.Pieces;
        using var file = File.OpenHandle(transfer.PartialPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.SetLength(file, list.FileSize);
        using var session = new SwarmSession(transfer, list, file, time);
        // No head yet: the first verified piece sets it (SwarmSession), and a swarm that fails before one gives the status.

        var supervisor = new SwarmSupervisor(session, plan, peers, mirror, options, time, logger);
        var (failure, mirrorOutcome) = await supervisor.RunAsync(cancellationToken);

        var result = Finish(transfer, session, failure, mirrorOutcome);
        logger.Fetched(transfer.Url.Key, string.Join(", ", transfer.BytesBySource.Select(s => $"{s.Key} {s.Value}")), list.FileSize,
            (long)time.GetElapsedTime(session.Started).TotalMilliseconds, result.Result, result.Detail ?? "");
    }

    private (TransferResult Result, string? Detail) Finish(Transfer transfer, SwarmSession session, string? failure, MirrorOutcome? mirrorOutcome)
    {
        var hash = session.Hash;
        if (!session.Board.AllDone)
        {
            if (mirrorOutcome is { UpstreamStatus: { } status } && session.PeerBytes == 0)
            {
                // Without a piece yet, apt may still be waiting for the status: the mirror's 404 becomes its answer.
                transfer.SetHead(new TransferHead(HeadKind.UpstreamStatus, null, null, null, null)
                {
                    UpstreamStatus = status,
                    Reason = failure ?? $"mirror answered {status}",
                });
                transfer.End(TransferResult.UpstreamStatus, failure ?? $"mirror answered {status}");
                return (TransferResult.UpstreamStatus, failure);
            }
            if (mirrorOutcome?.Failure is { } kind)
                transfer.SetHead(new TransferHead(HeadKind.Failed, null, null, null, null) { Failure = kind, Reason = failure });
            transfer.End(TransferResult.Failed, failure ?? "every source failed");
            return (TransferResult.Failed, failure);
        }

        var actual = session.FileHash();
        if (actual != hash)
        {
            // Every piece matched its list, the file does not: the list was forged. Cut apt off, fetch from the mirror next time.
            finder.Distrust(hash);
            statistics.HashMismatch();
            LogForgedList(transfer.Url.Key, actual);
            transfer.End(TransferResult.HashMismatch, "the piece list was forged: pieces matched it but the file's SHA-256 does not");
            return (TransferResult.HashMismatch, "forged piece list");
        }

        session.File.Dispose();
        transfer.Complete(() =>
        {
            var entry = store.Add(transfer.PartialPath, hash, session.Pieces.FileSize, verified: true);
            // The list every piece matched, now proven by the file's hash: announced and served as it is.
            if (!session.Pieces.IsWholeFile)
                pieceLists.Keep(hash, session.Pieces);
            urls.Set(transfer.Url.Key, new UrlInfo(hash, session.Pieces.FileSize, mirrorOutcome?.LastModified, mirrorOutcome?.ContentType, null, transfer.StartedAt));
            return entry;
        });
        return (TransferResult.Stored, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: every piece matched its list but the file hashes to {Actual}: forged piece list, distrusted")]
    private partial void LogForgedList(string url, ContentHash actual);
}
