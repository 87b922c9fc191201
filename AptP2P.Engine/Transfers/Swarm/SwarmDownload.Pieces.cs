using System.Net;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Pieces;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Transfers.Swarm;

public sealed partial class SwarmDownload
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(50);

    private async Task RunInPiecesAsync(Transfer transfer, PieceList list, PeerDiscovery discovery, TimeSpan grace,
        CancellationTokenSource lifetime, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var size = list.FileSize;
        using var file = File.OpenHandle(transfer.PartialPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.SetLength(file, size);
        using var session = new SwarmSession(transfer, list, file, time);
        transfer.SetHead(new TransferHead(HeadKind.Body, size, null, "application/octet-stream", null));

        var workers = new List<Task>();
        var activePeers = 0;
        var feeder = Task.Run(async () =>
        {
            await foreach (var peer in discovery.Subscribe().ReadAllAsync(lifetime.Token))
            {
                if (scores.ScoreOf(peer) < MinPeerScore)
                    continue;
                var perPeer = Math.Max(1, Math.Min(options.CurrentValue.MaxDownloadsPerPeer, list.Count));
                for (var i = 0; i < perPeer; i++)
                {
                    Interlocked.Increment(ref activePeers);
                    var worker = RunPeerAsync(session, peer, lifetime.Token).ContinueWith(_ => Interlocked.Decrement(ref activePeers), TaskScheduler.Default);
                    lock (workers)
                        workers.Add(worker);
                }
            }
        }, lifetime.Token);

        Task<MirrorOutcome>? mirrorTask = null;
        MirrorOutcome? mirrorOutcome = null;
        string? failure = null;
        using (var timer = new PeriodicTimer(CheckInterval, time))
        {
            while (!session.AllDone.IsCompleted)
            {
                await Task.WhenAny(session.AllDone, timer.WaitForNextTickAsync(cancellationToken).AsTask());
                if (session.AllDone.IsCompleted)
                    break;
                var elapsed = time.GetElapsedTime(started);
                var peersIdle = Volatile.Read(ref activePeers) == 0 && (discovery.Ended || elapsed >= grace);
                if (mirrorTask is { IsCompleted: true })
                {
                    mirrorOutcome = await mirrorTask;
                    if (mirrorOutcome.Usable)
                        mirrorTask = null; // it ran out of missing pieces; it may be needed again if a peer gives some back
                }
                var mirrorDead = mirrorOutcome is { Usable: false };
                if (mirrorTask is null && !mirrorDead && (peersIdle || (elapsed >= grace && PeersTooSlow(session, started, grace))))
                {
                    LogMirrorJoins(transfer.Url.Key, peersIdle ? "no peer is working" : "the peers would not finish within the grace and the tolerance", session.Board.DoneCount, list.Count);
                    mirrorTask = RunMirrorAsync(session, lifetime.Token);
                }
                else if (peersIdle && mirrorDead)
                {
                    failure = mirrorOutcome!.Reason;
                    break;
                }
            }
        }

        await lifetime.CancelAsync();
        Task[] running;
        lock (workers)
            running = [.. workers];
        await Task.WhenAll([.. running, feeder.ContinueWith(_ => { }, TaskScheduler.Default), mirrorTask ?? Task.CompletedTask]).ConfigureAwait(false);
        mirrorOutcome ??= mirrorTask is { IsCompletedSuccessfully: true } ? mirrorTask.Result : null;

        var result = Finish(transfer, session, failure, mirrorOutcome);
        LogFinished(transfer.Url.Key, string.Join(", ", transfer.BytesBySource.Select(s => $"{s.Key} {s.Value}")), size,
            (long)time.GetElapsedTime(started).TotalMilliseconds, result.Result, result.Detail ?? "");
    }

    private (TransferResult Result, string? Detail) Finish(Transfer transfer, SwarmSession session, string? failure, MirrorOutcome? mirrorOutcome)
    {
        var hash = session.Hash;
        if (!session.Board.AllDone)
        {
            if (mirrorOutcome is { UpstreamStatus: { } status } && session.PeerBytes == 0)
            {
                transfer.End(TransferResult.UpstreamStatus, failure ?? $"mirror answered {status}");
                return (TransferResult.UpstreamStatus, failure);
            }
            transfer.End(TransferResult.Failed, failure ?? "every source failed");
            return (TransferResult.Failed, failure);
        }

        var actual = session.FileHash();
        if (actual != hash)
        {
            // Every piece matched its list, the file does not: the list was forged. Cut apt off, fetch from the mirror next time.
            Distrust(hash);
            statistics.HashMismatch();
            LogForgedList(transfer.Url.Key, actual);
            transfer.End(TransferResult.HashMismatch, "the piece list was forged: pieces matched it but the file's SHA-256 does not");
            return (TransferResult.HashMismatch, "forged piece list");
        }

        session.File.Dispose();
        transfer.Complete(() => store.Add(transfer.PartialPath, hash, session.Pieces.FileSize, verified: true));
        urls.Set(transfer.Url.Key, new UrlInfo(hash, session.Pieces.FileSize, mirrorOutcome?.LastModified, mirrorOutcome?.ContentType, null, time.GetUtcNow()));
        return (TransferResult.Stored, null);
    }

    /// <summary>
    /// True when the peers, at the rate they reached so far, would need longer for the rest than the grace plus
    /// <c>AptP2P:Peers:SlowPeerToleranceSeconds</c>. Without the tolerance every large file on a real network (a 24 MiB
    /// package from one peer at 40 MB/s, say) would bring the mirror in, and so would a moment of CPU starvation.
    /// </summary>
    private bool PeersTooSlow(SwarmSession session, long started, TimeSpan grace)
    {
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        var rate = elapsed > 0 ? session.PeerBytes / elapsed : 0;
        if (rate <= 0)
            return true;
        var remaining = session.Pieces.FileSize - session.Board.DoneCount * (double)session.Pieces.PieceLength;
        return remaining / rate > grace.TotalSeconds + options.CurrentValue.SlowPeerToleranceSeconds;
    }

    internal static string SourceName(IPEndPoint peer) => peer.ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {Url} from {Sources}: {Bytes} bytes in {Elapsed} ms, {Result} {Detail}")]
    private partial void LogFinished(string url, string sources, long bytes, long elapsed, TransferResult result, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: the mirror joins ({Reason}), {Done} of {Count} pieces in")]
    private partial void LogMirrorJoins(string url, string reason, int done, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: every piece matched its list but the file hashes to {Actual}: forged piece list, distrusted")]
    private partial void LogForgedList(string url, ContentHash actual);
}
