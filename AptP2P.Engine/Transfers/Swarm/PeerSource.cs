using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers.Bodies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Peers as a source of pieces. <see cref="RunAsync"/> is one request stream to one peer: it claims a piece (lowest first,
/// duplicates at the end), fetches it, checks it against the list, and goes on until the file is done or the peer has failed
/// too often. A peer that sends a bad piece or lacks the file is dropped for the file.
/// </summary>
public sealed partial class PeerSource(
    PeerClient peers,
    PeerScoreBoard scores,
    TrafficStatistics statistics,
    BodyReader bodies,
    IOptionsMonitor<PeerOptions> options,
    TimeProvider time,
    ILogger<PeerSource> logger,
    LanDirectory? lanPeers = null)
{
    /// <summary>A peer silent this long in the middle of a piece is given up for that piece.</summary>
    private static readonly TimeSpan PeerStall = TimeSpan.FromSeconds(3);

    /// <summary>A peer that answered Busy is asked again after this back-off.</summary>
    private static readonly TimeSpan BusyBackOff = TimeSpan.FromMilliseconds(500);

    private const int MaxPeerFailures = 2;
    private const int BufferSize = 64 * 1024;

    /// <summary>Peers scoring below this (mostly failures) are not asked at all.</summary>
    private const double MinPeerScore = 0.1;

    private readonly ResizableLimit _pieceRequests = new(() => options.CurrentValue.MaxConcurrentPieceRequests);

    private enum PieceOutcome { Done, Lost, Bad, NotHeld, Busy, Failed }

    /// <summary>True when the peer is worth asking at all.</summary>
    internal bool IsUsable(IPEndPoint peer) => scores.ScoreOf(peer) >= MinPeerScore;

    /// <summary>How many request streams to open to one peer for this file.</summary>
    internal int StreamsPerPeer(SwarmSession session) => Math.Max(1, Math.Min(options.CurrentValue.MaxDownloadsPerPeer, session.Pieces.Count));

    internal async Task RunAsync(SwarmSession session, IPEndPoint peer, CancellationToken cancellationToken)
    {
        var failures = 0;
        try
        {
            while (!session.AllDone.IsCompleted && !session.IsDropped(peer) && !scores.IsBanned(peer))
            {
                // Taken before the claim, so a piece given back between the claim and the wait still wakes this stream.
                var changed = session.Changed.Next;
                if (session.Board.Claim(endgame: true) is not { } claim)
                {
                    // Everything is in flight elsewhere: a source may give a piece back, or finish one this stream may duplicate.
                    // The supervisor signals the session when the file's sources are cancelled.
                    await Task.WhenAny(session.AllDone, changed);
                    cancellationToken.ThrowIfCancellationRequested();
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
                    case PieceOutcome.Bad or PieceOutcome.NotHeld:
                        session.Drop(peer);
                        return;
                    case PieceOutcome.Busy:
                        await Task.Delay(BusyBackOff, time, cancellationToken);
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
        var length = list.LengthOf(piece);
        var started = time.GetTimestamp();
        using var sink = new PieceSink(session, piece, duplicate);
        var completed = false;
        try
        {
            using var response = await peers.GetRangeAsync(peer, session.Hash, list.OffsetOf(piece), length, cancellationToken);
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

            var read = await bodies.ReadAsync(response.Body!, sink, length, PeerStall, BufferSize, cancellationToken);
            switch (read.Status)
            {
                case BodyReadStatus.Stopped:
                    completed = true; // someone else finished this piece: not this peer's fault
                    return PieceOutcome.Lost;
                case BodyReadStatus.TimedOut:
                    LogPeerFailed(session.Transfer.Url.Key, peer, $"stalled for {PeerStall.TotalSeconds:0} s in piece {piece}");
                    return PieceOutcome.Failed;
                case BodyReadStatus.Failed:
                    LogPeerFailed(session.Transfer.Url.Key, peer, read.Error!.Message);
                    return PieceOutcome.Failed;
                case BodyReadStatus.EndOfStream:
                    LogPeerFailed(session.Transfer.Url.Key, peer, $"closed after {read.Bytes} of {length} bytes of piece {piece}");
                    return PieceOutcome.Failed;
            }

            if (!sink.Matches())
            {
                scores.RecordBadPiece(peer);
                statistics.BadPiece();
                LogBadPiece(session.Transfer.Url.Key, peer, piece);
                return PieceOutcome.Bad;
            }

            var fresh = sink.Commit(SourceNames.Of(peer));
            completed = true;
            scores.RecordDownload(peer, length, time.GetElapsedTime(started));
            if (fresh)
                statistics.AddPeerBytes(length, fromLan: lanPeers?.IsOnLan(peer) ?? AddressScope.IsLan(peer.Address));
            return fresh ? PieceOutcome.Done : PieceOutcome.Lost;
        }
        finally
        {
            if (!completed)
                session.Release(piece);
        }
    }

    /// <summary>
    /// One piece as it arrives: written in place when this stream claimed it first, kept in memory when it duplicates a piece
    /// in flight elsewhere (written only once it verified), hashed either way.
    /// </summary>
    private sealed class PieceSink : IBodySink, IDisposable
    {
        private readonly SwarmSession _session;
        private readonly int _piece;
        private readonly long _offset;
        private readonly int _length;
        private readonly byte[]? _copy;
        private readonly IncrementalHash _hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private int _received;

        public PieceSink(SwarmSession session, int piece, bool duplicate)
        {
            _session = session;
            _piece = piece;
            _offset = session.Pieces.OffsetOf(piece);
            _length = session.Pieces.LengthOf(piece);
            _copy = duplicate ? ArrayPool<byte>.Shared.Rent(_length) : null;
        }

        public bool Accept(ReadOnlySpan<byte> chunk)
        {
            if (_copy is not null)
                chunk.CopyTo(_copy.AsSpan(_received));
            else if (!_session.WriteOwned(_piece, _offset + _received, chunk))
                return false;
            _hasher.AppendData(chunk);
            _received += chunk.Length;
            return true;
        }

        public bool Matches()
        {
            Span<byte> digest = stackalloc byte[32];
            _hasher.GetHashAndReset(digest);
            return _session.Pieces.Matches(_piece, digest);
        }

        /// <summary>Records the verified piece; false when another source finished it first.</summary>
        public bool Commit(string source) =>
            _copy is not null ? _session.WriteVerified(_piece, _copy.AsSpan(0, _length), source) : _session.Complete(_piece, source);

        public void Dispose()
        {
            _hasher.Dispose();
            if (_copy is not null)
                ArrayPool<byte>.Shared.Return(_copy);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: peer {Peer} failed: {Reason}")]
    private partial void LogPeerFailed(string url, IPEndPoint peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: peer {Peer} sent a bad piece {Piece}; dropped for this file and banned for a while")]
    private partial void LogBadPiece(string url, IPEndPoint peer, int piece);
}
