using System.Buffers;
using System.Security.Cryptography;
using AptP2P.Engine.Mirrors;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>How the mirror did as a range source.</summary>
internal sealed record MirrorOutcome(bool Usable, string? Reason, int? UpstreamStatus, DateTimeOffset? LastModified, string? ContentType);

public sealed partial class SwarmDownload
{
    /// <summary>The mirror takes runs of missing pieces this large (at least one piece) per request.</summary>
    private const long MirrorRunBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The mirror as one more source: claims runs of missing pieces and fetches each run with one range request. A mirror
    /// that ignores ranges sends the whole file; its bytes then fill every piece still missing as the stream passes it.
    /// </summary>
    private async Task<MirrorOutcome> RunMirrorAsync(SwarmSession session, CancellationToken cancellationToken)
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
                    return new MirrorOutcome(false, failure.Reason, null, lastModified, contentType);
                }
                using var response = sent.Response!;
                lastModified ??= response.LastModified;
                contentType ??= response.ContentType;
                long streamStart;
                if (response.Status == 206 && response.RangeStart == first && response.ContentLength == last - first + 1)
                    streamStart = first;
                else if (response.Status == 200 && response.ContentLength == list.FileSize)
                    streamStart = 0; // no range support: the whole file streams by, filling what is still missing
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
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stallTimeout = TimeSpan.FromSeconds(30);
        var digest = new byte[32];
        try
        {
            var position = streamStart;
            var piece = (int)(streamStart / list.PieceLength);
            var mine = claimed.Contains(piece) || (wholeFile && session.Board.TryClaim(piece) && claimed.Add(piece));
            var lastPiece = wholeFile ? list.Count - 1 : claimed.Max();
            while (piece <= lastPiece)
            {
                var pieceEnd = list.OffsetOf(piece) + list.LengthOf(piece);
                stall.CancelAfter(stallTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, pieceEnd - position)), stall.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return $"the mirror sent nothing for {stallTimeout.TotalSeconds:0} s";
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    return "the mirror connection broke: " + ex.Message;
                }
                if (read == 0)
                    return $"the mirror closed at byte {position}";

                if (mine)
                {
                    var chunk = buffer.AsSpan(0, read);
                    if (session.WriteOwned(piece, position, chunk))
                        hasher.AppendData(chunk);
                    else
                        mine = false; // a peer finished it meanwhile
                }
                position += read;
                statistics.AddMirrorBytes(read);
                if (position < pieceEnd)
                    continue;

                if (mine)
                {
                    hasher.GetHashAndReset(digest);
                    if (!list.Matches(piece, digest))
                    {
                        statistics.HashMismatch();
                        LogMirrorBadPiece(session.Transfer.Url.Key, piece);
                        return $"the mirror's piece {piece} does not match the piece list";
                    }
                    session.Complete(piece, MirrorDownload.MirrorSourceName);
                    claimed.Remove(piece);
                }
                else
                {
                    hasher.GetHashAndReset();
                }
                piece++;
                mine = piece <= lastPiece && (claimed.Contains(piece) || (wholeFile && session.Board.TryClaim(piece) && claimed.Add(piece)));
            }
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Release(SwarmSession session, HashSet<int> claimed)
    {
        foreach (var piece in claimed)
            session.Board.Release(piece);
        claimed.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: the mirror's piece {Piece} does not match the piece list")]
    private partial void LogMirrorBadPiece(string url, int piece);
}
