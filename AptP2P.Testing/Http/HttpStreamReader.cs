using System.Text;

namespace AptP2P.Testing.Http;

/// <summary>Buffered reads from one side of an HTTP/1.1 connection: whole heads, CRLF lines and body bytes.</summary>
public sealed class HttpStreamReader
{
    private const int MaxHeadBytes = 64 * 1024;
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[MaxHeadBytes];
    private int _start;
    private int _end;

    public HttpStreamReader(Stream stream) => _stream = stream;

    /// <summary>The next head including its blank line, or null if the peer closed the connection between messages.</summary>
    public async ValueTask<HttpHead?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf(EndOfHead);
            if (found >= 0)
            {
                var raw = _buffer.AsSpan(_start, found + EndOfHead.Length).ToArray();
                _start += raw.Length;
                return HttpHead.Parse(raw);
            }
            if (_end - _start == MaxHeadBytes)
            {
                throw new InvalidDataException($"HTTP head longer than {MaxHeadBytes} bytes.");
            }
            if (await FillAsync(cancellationToken) == 0)
            {
                return _end == _start ? null : throw new EndOfStreamException("Connection closed in the middle of an HTTP head.");
            }
        }
    }

    /// <summary>One line without its CRLF (chunk sizes and trailers of a chunked body).</summary>
    public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (found >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, found);
                _start += found + 2;
                return line;
            }
            if (_end - _start == MaxHeadBytes)
            {
                throw new InvalidDataException("Line too long in a chunked body.");
            }
            if (await FillAsync(cancellationToken) == 0)
            {
                throw new EndOfStreamException("Connection closed in the middle of a chunked body.");
            }
        }
    }

    /// <summary>Reads what is buffered first, then from the stream; 0 means the peer closed.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_end > _start)
        {
            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            return count;
        }
        return await _stream.ReadAsync(destination, cancellationToken);
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes into memory (request bodies, which are small).</summary>
    public async ValueTask<byte[]> ReadExactlyAsync(int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        for (var read = 0; read < length;)
        {
            var count = await ReadAsync(body.AsMemory(read), cancellationToken);
            read += count > 0 ? count : throw new EndOfStreamException("Connection closed in the middle of a body.");
        }
        return body;
    }

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read;
    }
}
