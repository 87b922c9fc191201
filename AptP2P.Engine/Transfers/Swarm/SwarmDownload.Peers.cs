using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using AptP2P.Engine.Peers;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Transfers.Swarm;

public sealed partial class SwarmDownload
{
    /// <summary>A peer silent this long in the middle of a piece is given up for that piece.</summary>
    private static readonly TimeSpan PeerStall = TimeSpan.FromSeconds(3);
    private const int MaxPeerFailures = 2;

    private readonly ResizableLimit _pieceRequests = new(() => options.CurrentValue.MaxConcurrentPieceRequests);

    /// <summary>Peers scoring below this (mostly failures) are not asked at all.</summary>
    private const double MinPeerScore = 0.1;

    private enum PieceOutcome { Done, Lost, Bad, NotHeld, Busy, Failed }

    /// <summary>One request stream to one peer: claims pieces (lowest first, duplicates at the end) until the file is done.</summary>
    private async Task RunPeerAsync(SwarmSession session, IPEndPoint peer, CancellationToken cancellationToken)
    {
        var failures = 0;
        try
        {
            while (!session.AllDone.IsCompleted && !session.IsDropped(peer) && !scores.IsBanned(peer))
            {
                if (session.Board.Claim(endgame: true) is not { } claim)
                {
                    // Everything is in flight elsewhere: wait a little, a source may give a piece back.
                    await Task.WhenAny(session.AllDone, Task.Delay(CheckInterval, time, cancellationToken));
                    continue;
                }

                PieceOutcome outcome;
                // AptP2P:Peers:MaxConcurrentPieceRequests bounds piece requests over all peers and files.
                await _pieceRequests.WaitAsync(cancellationToken);
                try
                {
                    outcome = await FetchPieceAsync(session, peer, claim.Piece, claim.Duplicate, cancellationToken);
                }
                finally
                {
                    _pieceRequests.Release();
                }
                switch (outcome)
                {
                    case PieceOutcome.Done or PieceOutcome.Lost:
                        failures = 0;
                        break;
                    case PieceOutcome.Bad:
                        session.Drop(peer);
                        return;
                    case PieceOutcome.NotHeld:
                        session.Drop(peer);
                        return;
                    case PieceOutcome.Busy:
                        await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
                        if (++failures >= MaxPeerFailures * 3)
                            return;
                        break;
                    default:
                        scores.RecordFailure(peer);
                        if (++failures >= MaxPeerFailures)
                        {
                            session.Drop(peer);
                            return;
                        }
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<PieceOutcome> FetchPieceAsync(SwarmSession session, IPEndPoint peer, int piece, bool duplicate, CancellationToken cancellationToken)
    {
        var list = session.Pieces;
        var offset = list.OffsetOf(piece);
        var length = list.LengthOf(piece);
        var started = time.GetTimestamp();
        byte[]? copy = duplicate ? ArrayPool<byte>.Shared.Rent(length) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var completed = false;
        try
        {
            using var response = await peers.GetRangeAsync(peer, session.Hash, offset, length, cancellationToken);
            switch (response.Answer)
            {
                case PeerAnswer.NotHeld:
                    return PieceOutcome.NotHeld;
                case PeerAnswer.Busy:
                    return PieceOutcome.Busy;
                case not PeerAnswer.Range:
                    LogPeerFailed(session.Transfer.Url.Key, peer, response.Reason ?? response.Answer.ToString());
                    return PieceOutcome.Failed;
            }

            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var received = 0;
            while (received < length)
            {
                stall.CancelAfter(PeerStall);
                int read;
                try
                {
                    read = await response.Body!.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, length - received)), stall.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    LogPeerFailed(session.Transfer.Url.Key, peer, $"stalled for {PeerStall.TotalSeconds:0} s in piece {piece}");
                    return PieceOutcome.Failed;
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    LogPeerFailed(session.Transfer.Url.Key, peer, ex.Message);
                    return PieceOutcome.Failed;
                }
                if (read == 0)
                {
                    LogPeerFailed(session.Transfer.Url.Key, peer, $"closed after {received} of {length} bytes of piece {piece}");
                    return PieceOutcome.Failed;
                }
                var chunk = buffer.AsSpan(0, read);
                if (copy is not null)
                    chunk.CopyTo(copy.AsSpan(received));
                else if (!session.WriteOwned(piece, offset + received, chunk))
                {
                    completed = true; // someone else finished this piece: not this peer's fault
                    return PieceOutcome.Lost;
                }
                hasher.AppendData(chunk);
                received += read;
            }

            Span<byte> digest = stackalloc byte[32];
            hasher.GetHashAndReset(digest);
            if (!list.Matches(piece, digest))
            {
                scores.RecordBadPiece(peer);
                statistics.BadPiece();
                LogBadPiece(session.Transfer.Url.Key, peer, piece);
                return PieceOutcome.Bad;
            }

            var source = SourceName(peer);
            var fresh = copy is not null ? session.WriteVerified(piece, copy.AsSpan(0, length), source) : session.Complete(piece, source);
            completed = true;
            scores.RecordDownload(peer, length, time.GetElapsedTime(started));
            if (fresh)
                statistics.AddPeerBytes(length);
            return fresh ? PieceOutcome.Done : PieceOutcome.Lost;
        }
        finally
        {
            if (!completed)
                session.Board.Release(piece);
            ArrayPool<byte>.Shared.Return(buffer);
            if (copy is not null)
                ArrayPool<byte>.Shared.Return(copy);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: peer {Peer} failed: {Reason}")]
    private partial void LogPeerFailed(string url, IPEndPoint peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: peer {Peer} sent a bad piece {Piece}; dropped for this file and banned for a while")]
    private partial void LogBadPiece(string url, IPEndPoint peer, int piece);
}
