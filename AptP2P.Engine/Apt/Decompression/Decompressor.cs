using System.Buffers.Binary;
using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompressionMode = SharpCompress.Compressors.CompressionMode;

namespace AptP2P.Engine.Apt.Decompression;

/// <summary>Opens the decompressed content of an index file, whatever its name claims.</summary>
internal static class Decompressor
{
    private const int SniffLength = 6;

    /// <summary>
    /// Opens the decompressed content of an index file. The format is taken from the magic bytes,
    /// not from <paramref name="declared"/>: mirrors sometimes serve plain files under
    /// <c>.gz</c> names and vice versa. Content without a known magic is read as plain text.
    /// Streaming: only a decoder's working memory is held, never the file.
    /// </summary>
    /// <exception cref="NotSupportedException">The content is zstd/lz4, or was declared in such a format and has no known magic.</exception>
    /// <remarks>Reads of the returned stream throw <see cref="InvalidDataException"/> for corrupt or truncated compressed data.</remarks>
    /// <param name="nativeXz">xz through liblzma (<see cref="NativeXzStream"/>) or SharpCompress; null: liblzma where it loads.</param>
    public static Stream Open(Stream raw, Compression declared, bool leaveOpen = false, bool? nativeXz = null)
    {
        ArgumentNullException.ThrowIfNull(raw);

        var input = new RawInput(raw, leaveOpen);
        try
        {
            Span<byte> magic = stackalloc byte[SniffLength];
            magic = magic[..input.Read(magic)];
            input.Unread(magic.Length);
            return Open(input, Sniff(magic, declared), nativeXz ?? NativeXzStream.IsAvailable);
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    private static Stream Open(RawInput input, Compression actual, bool nativeXz) => actual switch
    {
        Compression.Gzip => new DecodingStream(
            input,
            raw => new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false),
            "gzip",
            decoded => CheckGzipTrailer(input, decoded)),
        Compression.Xz when nativeXz => new DecodingStream(input, raw => new NativeXzStream(raw), "xz"),
        Compression.Xz => new DecodingStream(input, raw => new ConcatenatedXzStream(raw), "xz"),
        Compression.Bzip2 => new DecodingStream(
            input,
            raw => BZip2Stream.Create(raw, SharpCompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false, tolerateTruncatedStream: false),
            "bzip2"),
        _ => input,
    };

    private static Compression Sniff(ReadOnlySpan<byte> magic, Compression declared)
    {
        if (magic.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return Compression.Gzip;
        }

        if (magic.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]))
        {
            return Compression.Xz;
        }

        if (magic.Length >= 4 && magic.StartsWith("BZh"u8) && magic[3] is >= (byte)'1' and <= (byte)'9')
        {
            return Compression.Bzip2;
        }

        if (magic.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            throw new NotSupportedException("The content is zstd-compressed, which is not supported.");
        }

        if (magic.StartsWith((ReadOnlySpan<byte>)[0x04, 0x22, 0x4D, 0x18]))
        {
            throw new NotSupportedException("The content is lz4-compressed, which is not supported.");
        }

        if (declared == Compression.Unsupported)
        {
            throw new NotSupportedException("The file is named for a compression (.lzma/.zst/.lz4) that is not supported.");
        }

        return Compression.None;
    }

    /// <summary>
    /// .NET's <see cref="GZipStream"/> reports a truncated stream as a normal end. The last four
    /// bytes of a gzip file hold the decompressed length modulo 2^32, so comparing them with what
    /// was decoded catches truncation (a false match has odds of 2^-32). A file of several gzip
    /// members fails the check too, since the trailer then counts only the last member; archives
    /// do not publish such files.
    /// </summary>
    private static void CheckGzipTrailer(RawInput input, long decoded)
    {
        if (!input.ReachedEnd)
        {
            Span<byte> probe = stackalloc byte[1];
            if (input.Read(probe) > 0)
            {
                throw new InvalidDataException("The gzip data has trailing bytes after its end.");
            }
        }

        // Header (10) + empty deflate block (2) + trailer (8) is the smallest gzip file there is.
        const int SmallestGzip = 20;
        if (input.Consumed < SmallestGzip
            || BinaryPrimitives.ReadUInt32LittleEndian(input.Tail[4..]) != unchecked((uint)decoded))
        {
            throw new InvalidDataException("The gzip data is truncated: its trailer does not match the decoded length.");
        }
    }
}
