using System.Security.Cryptography;

namespace AptP2P.Engine.Pieces;

/// <summary>
/// Hashes a file's pieces (PROTOCOL.md §2.1) as its bytes arrive in order, in the pass that writes them, so that the piece
/// list of a file just downloaded never needs the file read back.
/// </summary>
public sealed class PieceHasher(long size) : IDisposable
{
    private readonly IncrementalHash _piece = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _pieceLength = PieceList.PieceLengthFor(size);
    private byte[] _hashes = new byte[PieceList.PieceCountFor(size, PieceList.PieceLengthFor(size)) * PieceList.HashLength];
    private long _position;
    private int _inPiece;

    /// <summary>The next bytes of the file; bytes past its size are a caller's bug.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_position + bytes.Length > size)
            throw new InvalidOperationException($"{_position + bytes.Length} bytes hashed of a file of {size}");
        Span<byte> digest = stackalloc byte[32];
        while (!bytes.IsEmpty)
        {
            var pieceEnd = Math.Min(_pieceLength, size - (_position - _inPiece));
            var take = (int)Math.Min(bytes.Length, pieceEnd - _inPiece);
            _piece.AppendData(bytes[..take]);
            _inPiece += take;
            _position += take;
            bytes = bytes[take..];
            if (_inPiece == pieceEnd)
            {
                _piece.GetHashAndReset(digest);
                digest[..PieceList.HashLength].CopyTo(_hashes.AsSpan((int)((_position - 1) / _pieceLength) * PieceList.HashLength));
                _inPiece = 0;
            }
        }
    }

    /// <summary>Starts over (the mirror ignored a resume and sends the file from its first byte).</summary>
    public void Reset()
    {
        _piece.GetHashAndReset();
        _hashes = new byte[_hashes.Length];
        _position = 0;
        _inPiece = 0;
    }

    /// <summary>The piece list once every byte is in, else null.</summary>
    public PieceList? Result => _position == size ? PieceList.FromHashes(size, _pieceLength, _hashes) : null;

    public void Dispose() => _piece.Dispose();
}
