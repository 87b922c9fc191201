using System.Net;
using System.Security.Cryptography;
using AptP2P.Engine.Pieces;
using Microsoft.Win32.SafeHandles;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// The shared state of one file downloaded in pieces: the partial file, the piece board, the running whole-file hash over
/// the verified prefix, and which sources are still in play. Sources write only pieces they claimed first; a duplicate
/// (endgame) claim keeps its bytes in memory and writes them only once they verified, under the piece's lock.
/// </summary>
internal sealed class SwarmSession : IDisposable
{
    private readonly Lock[] _pieceLocks;
    private readonly Lock _prefixLock = new();
    private readonly IncrementalHash _fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly HashSet<IPEndPoint> _dropped = [];
    private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _hashedBytes;
    private long _peerBytes;
    private long _lastProgressTicks;

    public SwarmSession(Transfer transfer, PieceList pieces, SafeFileHandle file, TimeProvider time)
    {
        Transfer = transfer;
        Pieces = pieces;
        File = file;
        Time = time;
        Board = new PieceBoard(pieces.Count);
        _pieceLocks = [.. Enumerable.Range(0, pieces.Count).Select(_ => new Lock())];
        Started = time.GetTimestamp();
        _lastProgressTicks = Started;
    }

    public Transfer Transfer { get; }
    public PieceList Pieces { get; }
    public SafeFileHandle File { get; }
    public TimeProvider Time { get; }
    public PieceBoard Board { get; }
    public long Started { get; }
    public ContentHash Hash => Transfer.ExpectedHash!.Value;

    /// <summary>Notified when a piece is done or given back and when a source ends: what waiting sources and the supervisor wake on.</summary>
    public ProgressSignal Changed { get; } = new();

    /// <summary>Completes when every piece is in place and checked.</summary>
    public Task AllDone => _allDone.Task;

    public long PeerBytes => Interlocked.Read(ref _peerBytes);
    public TimeSpan SinceProgress => Time.GetElapsedTime(Interlocked.Read(ref _lastProgressTicks));

    public bool IsDropped(IPEndPoint peer)
    {
        lock (_dropped)
            return _dropped.Contains(peer);
    }

    public void Drop(IPEndPoint peer)
    {
        lock (_dropped)
            _dropped.Add(peer);
    }

    /// <summary>A source gave up on a piece it claimed: it may be missing again, so idle sources look again.</summary>
    public void Release(int piece)
    {
        Board.Release(piece);
        Changed.Notify();
    }

    /// <summary>A source stopped working on this file.</summary>
    public void SourceEnded() => Changed.Notify();

    /// <summary>Writes bytes of a piece this source claimed first; false when another source finished the piece meanwhile.</summary>
    public bool WriteOwned(int piece, long offset, ReadOnlySpan<byte> bytes)
    {
        lock (_pieceLocks[piece])
        {
            if (Board.IsDone(piece))
                return false;
            RandomAccess.Write(File, bytes, offset);
            return true;
        }
    }

    /// <summary>Writes a whole piece verified in memory (an endgame duplicate) and records it.</summary>
    public bool WriteVerified(int piece, ReadOnlySpan<byte> bytes, string source)
    {
        lock (_pieceLocks[piece])
        {
            if (Board.IsDone(piece))
                return false;
            RandomAccess.Write(File, bytes, Pieces.OffsetOf(piece));
            return Completed(piece, source);
        }
    }

    /// <summary>Records a piece the source wrote in place and verified.</summary>
    public bool Complete(int piece, string source)
    {
        lock (_pieceLocks[piece])
            return Completed(piece, source);
    }

    private bool Completed(int piece, string source)
    {
        if (!Board.Complete(piece))
            return false;
        var length = Pieces.LengthOf(piece);
        Transfer.AddSourceBytes(source, length);
        if (source != SourceNames.Mirror)
            Interlocked.Add(ref _peerBytes, length);
        Interlocked.Exchange(ref _lastProgressTicks, Time.GetTimestamp());
        // The first verified piece, whoever sent it, is the swarm's answer: apt's 200 may go out now.
        if (!Transfer.Head.IsCompleted)
            Transfer.SetHead(new TransferHead(HeadKind.Body, Pieces.FileSize, null, "application/octet-stream", null));
        AdvancePrefix();
        Changed.Notify();
        return true;
    }

    /// <summary>Hashes the newly verified prefix and lets readers have it (minus the transfer's held-back tail).</summary>
    private void AdvancePrefix()
    {
        lock (_prefixLock)
        {
            var prefix = Board.VerifiedPrefix;
            var end = prefix == Pieces.Count ? Pieces.FileSize : Pieces.OffsetOf(prefix);
            if (end <= _hashedBytes)
                return;
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                while (_hashedBytes < end)
                {
                    var n = RandomAccess.Read(File, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - _hashedBytes)), _hashedBytes);
                    if (n == 0)
                        throw new IOException("the partial file is shorter than its verified pieces");
                    _fileHash.AppendData(buffer, 0, n);
                    _hashedBytes += n;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            Transfer.SetWritten(_hashedBytes);
            if (prefix == Pieces.Count)
                _allDone.TrySetResult();
        }
    }

    /// <summary>The SHA-256 of the whole file, once every piece is in.</summary>
    public ContentHash FileHash()
    {
        lock (_prefixLock)
            return ContentHash.FromHasher(_fileHash);
    }

    public void Dispose() => _fileHash.Dispose();
}
