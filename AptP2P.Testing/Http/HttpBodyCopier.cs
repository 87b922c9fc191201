using System.Buffers;
using System.Globalization;
using System.Text;

namespace AptP2P.Testing.Http;

/// <summary>Streams HTTP/1.1 bodies from one connection to another without buffering them whole.</summary>
internal static class HttpBodyCopier
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Copies exactly <paramref name="length"/> bytes; a source that ends early throws <see cref="EndOfStreamException"/>.</summary>
    public static async Task<long> CopyAsync(HttpStreamReader source, Stream destination, long length, CancellationToken cancellationToken)
    {
        var copied = await CopyUpToAsync(source, destination, length, cancellationToken);
        return copied == length ? copied : throw new EndOfStreamException($"The upstream closed after {copied} of {length} body bytes.");
    }

    /// <summary>Copies until the source closes (a body without length or chunking).</summary>
    public static Task<long> CopyUntilClosedAsync(HttpStreamReader source, Stream destination, CancellationToken cancellationToken) =>
        CopyUpToAsync(source, destination, long.MaxValue, cancellationToken);

    /// <summary>Relays a chunked body as is (sizes, data, trailers); returns the number of data bytes.</summary>
    public static async Task<long> CopyChunkedAsync(HttpStreamReader source, Stream destination, CancellationToken cancellationToken)
    {
        long data = 0;
        while (true)
        {
            var sizeLine = await source.ReadLineAsync(cancellationToken);
            await WriteLineAsync(destination, sizeLine, cancellationToken);
            var size = long.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                string trailer;
                do
                {
                    trailer = await source.ReadLineAsync(cancellationToken);
                    await WriteLineAsync(destination, trailer, cancellationToken);
                }
                while (trailer.Length > 0);
                return data;
            }
            data += await CopyAsync(source, destination, size, cancellationToken);
            await WriteLineAsync(destination, await source.ReadLineAsync(cancellationToken), cancellationToken);
        }
    }

    private static async Task<long> CopyUpToAsync(HttpStreamReader source, Stream destination, long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long copied = 0;
            while (copied < length)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - copied)), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                copied += read;
            }
            return copied;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ValueTask WriteLineAsync(Stream destination, string line, CancellationToken cancellationToken) =>
        destination.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), cancellationToken);
}
