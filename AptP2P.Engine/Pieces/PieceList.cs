using System.Buffers;
using System.Security.Cryptography;
using AptP2P.Engine.Dht.Bencode;

namespace AptP2P.Engine.Pieces;

/// <summary>
/// A file's pieces and their hashes (PROTOCOL.md §2.1): the piece length is the smallest power of two, at least 256 KiB,
/// giving at most 40 pieces; each piece hash is the first 20 bytes of the SHA-256 of its bytes. The bencoded form
/// <c>{ "l": length, "p": hashes, "s": size }</c> is the same in the DHT item and at <c>/~/&lt;sha256&gt;/pieces</c>.
/// </summary>
public sealed class PieceList
{
    public const int MinPieceLength = 256 * 1024;
    public const int MaxPieces = 40;
    public const int HashLength = 20;

    private readonly byte[] _hashes;
    private readonly ContentHash? _wholeFile;

    private PieceList(long fileSize, int pieceLength, byte[] hashes, ContentHash? wholeFile = null)
    {
        FileSize = fileSize;
        PieceLength = pieceLength;
        _hashes = hashes;
        _wholeFile = wholeFile;
    }

    /// <summary>A file of one piece: no list exists, the piece is checked against the file's own SHA-256.</summary>
    public static PieceList SinglePiece(ContentHash file, long size) => new(size, (int)Math.Max(1, size), [], file);

    /// <summary>True for the list of a one-piece file, which is never published or served.</summary>
    public bool IsWholeFile => _wholeFile is not null;

    public long FileSize { get; }
    public int PieceLength { get; }
    public int Count => PieceCountFor(FileSize, PieceLength);

    /// <summary>The piece length the protocol fixes for a file of <paramref name="size"/> bytes.</summary>
    public static int PieceLengthFor(long size)
    {
        long length = MinPieceLength;
        while ((size + length - 1) / length > MaxPieces)
            length *= 2;
        return checked((int)length);
    }

    /// <summary>A file this small is one piece and has no list: its own SHA-256 verifies it.</summary>
    public static bool IsSinglePiece(long size) => size <= MinPieceLength;

    public static int PieceCountFor(long size, int pieceLength) => size == 0 ? 0 : (int)((size + pieceLength - 1) / pieceLength);

    public long OffsetOf(int piece) => (long)piece * PieceLength;

    public int LengthOf(int piece) => (int)Math.Min(PieceLength, FileSize - OffsetOf(piece));

    public bool Verify(int piece, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != LengthOf(piece))
            return false;
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Matches(piece, digest);
    }

    /// <summary>Checks a piece's full SHA-256 digest (computed incrementally by the caller).</summary>
    public bool Matches(int piece, ReadOnlySpan<byte> sha256)
    {
        if (_wholeFile is { } whole)
            return piece == 0 && new ContentHash(sha256) == whole;
        return sha256[..HashLength].SequenceEqual(_hashes.AsSpan(piece * HashLength, HashLength));
    }

    /// <summary>The list of piece hashes a <see cref="PieceHasher"/> computed while the file was written.</summary>
    internal static PieceList FromHashes(long size, int pieceLength, byte[] hashes) => new(size, pieceLength, hashes);

    /// <summary>Hashes a stored file's pieces (PROTOCOL.md §2.1).</summary>
    public static PieceList Compute(Microsoft.Win32.SafeHandles.SafeFileHandle file, long size)
    {
        var pieceLength = PieceLengthFor(size);
        var count = PieceCountFor(size, pieceLength);
        var hashes = new byte[count * HashLength];
        var buffer = ArrayPool<byte>.Shared.Rent(pieceLength);
        try
        {
            Span<byte> digest = stackalloc byte[32];
            for (var piece = 0; piece < count; piece++)
            {
                var offset = (long)piece * pieceLength;
                var length = (int)Math.Min(pieceLength, size - offset);
                var read = 0;
                while (read < length)
                {
                    var n = RandomAccess.Read(file, buffer.AsSpan(read, length - read), offset + read);
                    if (n == 0)
                        throw new IOException($"the file ended at {offset + read} of {size} bytes");
                    read += n;
                }
                SHA256.HashData(buffer.AsSpan(0, length), digest);
                digest[..HashLength].CopyTo(hashes.AsSpan(piece * HashLength));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new PieceList(size, pieceLength, hashes);
    }

    /// <summary>The bencoded <c>v</c>: keys in bencode order (l, p, s).</summary>
    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>(_hashes.Length + 48);
        var writer = new BencodeWriter(output);
        writer.WriteDictionaryStart();
        writer.WriteInteger("l", PieceLength);
        writer.WriteString("p", _hashes);
        writer.WriteInteger("s", FileSize);
        writer.WriteEnd();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Accepts a bencoded <c>v</c> only as PROTOCOL.md §2.1 says: <c>s</c> equal to the size from the archive metadata, <c>l</c>
    /// following the rule, <c>p</c> of exactly ceil(s / l) × 20 bytes, nothing else in the dictionary.
    /// </summary>
    public static PieceList? TryDecode(ReadOnlyMemory<byte> encoded, long expectedSize)
    {
        if (encoded.Length > 1000 || !BencodeDocument.TryParse(encoded, out var document, out _))
            return null;
        using (document)
        {
            var root = document!.Root;
            if (root.Kind != BencodeKind.Dictionary || root.Count != 6 // three keys and their values
                || !root.TryGetProperty("l"u8, out var l) || !l.TryGetInteger(out var pieceLength)
                || !root.TryGetProperty("s"u8, out var s) || !s.TryGetInteger(out var size)
                || !root.TryGetProperty("p"u8, out var p) || !p.TryGetString(out var hashes))
            {
                return null;
            }

            if (size != expectedSize || IsSinglePiece(size) || pieceLength != PieceLengthFor(size)
                || hashes.Length != PieceCountFor(size, (int)pieceLength) * HashLength)
            {
                return null;
            }

            return new PieceList(size, (int)pieceLength, hashes.ToArray());
        }
    }
}
