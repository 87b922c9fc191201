using System.Security.Cryptography;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers.Bodies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>How the mirror did as a range source.</summary>
internal sealed record MirrorOutcome(bool Usable, string? Reason, int? UpstreamStatus, DateTimeOffset? LastModified, string? ContentType)
{
    /// <summary>How the request failed when the mirror gave no answer at all (unreachable, silent).</summary>
    public MirrorFailureKind? Failure { get; init; }
}

/// <summary>
/// The mirror as one more source of pieces: claims runs of missing pieces and fetches each run with one range request. A
/// mirror that ignores ranges sends the whole file; its bytes then fill every piece still missing as the stream passes it.
/// </summary>
public sealed partial class MirrorRangeSource(
    MirrorClient mirror,
    TrafficStatistics statistics,
    BodyReader bodies,
    IOptionsMonitor<AptP2POptions> options,
    ILogger<MirrorRangeSource> logger)
{
    /// <summary>The mirror takes runs of missing pieces this large (at least one piece) per request.</summary>
    private const long MirrorRunBytes = 4 * 1024 * 1024;
    private const int BufferSize = 128 * 1024;

    /// <summary>Runs until no piece is missing (usable, it may be asked again) or the mirror fails (not usable).</summary>
    internal async Task<MirrorOutcome> RunAsync(SwarmSession session, CancellationToken cancellationToken)
    {
        var list = session.Pieces;
        DateTimeOffset? lastModified = null;
        string? contentType = null;
        var maxRun = (int)Math.Max(1, MirrorRunBytes / list.PieceLength);
        try
        {
            while (!session.AllDone.IsCompleted && session.Board.ClaimRun(maxRun) is { } run)
            {
                var first = list.OffsetOf(run.First);
                var last = list.OffsetOf(run.First + run.Count - 1) + list.LengthOf(run.First + run.Count - 1) - 1;
                var claimed = Enumerable.Range(run.First, run.Count).ToHashSet();
                var sent = await mirror.SendAsync(new MirrorRequest(session.Transfer.Url) { RangeStart = first, RangeEnd = last }, cancellationToken);
                if (sent.Failure is { } failure)
                {
                    Release(session, claimed);
                    return new MirrorOutcome(false, failure.Reason, null, lastModified, contentType) { Failure = failure.Kind };
                }
                using var response = sent.Response!;
                lastModified ??= response.LastModified;
                contentType ??= response.ContentType;
                long streamStart;
                if (response.Status == 206 && response.RangeStart == first && response.ContentLength == last - first + 1)
                {
                    streamStart = first;
                }
                else if (response.Status == 200 && response.ContentLength == list.FileSize)
                {
                    streamStart = 0; // no range support: the whole file streams by, filling what is still missing
                }
                else
                {
                    Release(session, claimed);
                    var status = response.Status is 404 or 410 ? response.Status : (int?)null;
                    return new MirrorOutcome(false, $"mirror answered {response.Status} to a range request", status, lastModified, contentType);
                }

                var problem = await StreamPiecesAsync(session, response.Body, streamStart, claimed, wholeFile: response.Status == 200, cancellationToken);
                Release(session, claimed);
                if (problem is not null)
                    return new MirrorOutcome(false, problem, null, lastModified, contentType);
            }
            return new MirrorOutcome(true, null, null, lastModified, contentType);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new MirrorOutcome(true, null, null, lastModified, contentType);
        }
    }

    /// <summary>Writes and checks the pieces a mirror stream carries; returns why it broke off, or null.</summary>
    private async Task<string?> StreamPiecesAsync(SwarmSession session, Stream body, long streamStart, HashSet<int> claimed, bool wholeFile, CancellationToken cancellationToken)
    {
        var list = session.Pieces;
        var stall = TimeSpan.FromSeconds(options.CurrentValue.Mirror.StallTimeoutSeconds);
        var lastPiece = wholeFile ? list.Count - 1 : claimed.Max();
        var end = list.OffsetOf(lastPiece) + list.LengthOf(lastPiece);
        using var sink = new RunSink(session, streamStart, claimed, wholeFile, statistics);
        var read = await bodies.ReadAsync(body, sink, end - streamStart, stall, BufferSize, cancellationToken);
        switch (read.Status)
        {
            case BodyReadStatus.Done:
                return null;
            case BodyReadStatus.TimedOut:
                return $"the mirror sent nothing for {stall.TotalSeconds:0} s";
            case BodyReadStatus.Failed:
                return "the mirror connection broke: " + read.Error!.Message;
            case BodyReadStatus.EndOfStream:
                return $"the mirror closed at byte {streamStart + read.Bytes}";
            default:
                LogMirrorBadPiece(session.Transfer.Url.Key, sink.BadPiece);
                return $"the mirror's piece {sink.BadPiece} does not match the piece list";
        }
    }

    private static void Release(SwarmSession session, HashSet<int> claimed)
    {
        foreach (var piece in claimed)
            session.Release(piece);
        claimed.Clear();
    }

    /// <summary>
    /// A mirror stream as it passes piece after piece: bytes of the pieces this source holds are written and hashed, each
    /// piece checked as it ends; a whole-file stream claims each missing piece it reaches. Stops at a piece that fails its check.
    /// </summary>
    private sealed class RunSink : IBodySink, IDisposable
    {
        private readonly SwarmSession _session;
        private readonly HashSet<int> _claimed;
        private readonly bool _wholeFile;
        private readonly TrafficStatistics _statistics;
        private readonly IncrementalHash _hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _digest = new byte[32];
        private long _position;
        private int _piece;
        private long _pieceEnd;
        private bool _mine;

        public RunSink(SwarmSession session, long streamStart, HashSet<int> claimed, bool wholeFile, TrafficStatistics statistics)
        {
            _session = session;
            _claimed = claimed;
            _wholeFile = wholeFile;
            _statistics = statistics;
            _position = streamStart;
            Enter((int)(streamStart / session.Pieces.PieceLength));
        }

        /// <summary>The piece whose check failed, once <see cref="Accept"/> has refused.</summary>
        public int BadPiece { get; private set; } = -1;

        public bool Accept(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                var part = chunk[..(int)Math.Min(chunk.Length, _pieceEnd - _position)];
                if (_mine)
                {
                    if (_session.WriteOwned(_piece, _position, part))
                        _hasher.AppendData(part);
                    else
                        _mine = false; // a peer finished it meanwhile
                }
                _position += part.Length;
                _statistics.AddMirrorBytes(part.Length);
                chunk = chunk[part.Length..];
                if (_position < _pieceEnd)
                    continue;

                if (_mine)
                {
                    _hasher.GetHashAndReset(_digest);
                    if (!_session.Pieces.Matches(_piece, _digest))
                    {
                        _statistics.HashMismatch();
                        BadPiece = _piece;
                        return false;
                    }
                    _session.Complete(_piece, SourceNames.Mirror);
                    _claimed.Remove(_piece);
                }
                else
                {
                    _hasher.GetHashAndReset();
                }
                if (_piece + 1 < _session.Pieces.Count)
                    Enter(_piece + 1);
            }
            return true;
        }

        private void Enter(int piece)
        {
            _piece = piece;
            _pieceEnd = _session.Pieces.OffsetOf(piece) + _session.Pieces.LengthOf(piece);
            _mine = _claimed.Contains(piece) || (_wholeFile && _session.Board.TryClaim(piece) && _claimed.Add(piece));
        }

        public void Dispose() => _hasher.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: the mirror's piece {Piece} does not match the piece list")]
    private partial void LogMirrorBadPiece(string url, int piece);
}
