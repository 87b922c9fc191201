using System.Buffers;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Splits a stream into lines without ever holding more than one pooled buffer. A line that does
/// not fit is delivered in pieces: the first piece of a line is either the whole line or a full
/// buffer (at least <see cref="MinimumBufferSize"/> bytes), which is enough to recognise a field
/// name or an armour line; the rest of a long line follows in further pieces.
/// </summary>
internal sealed class LineSegmentReader : IDisposable
{
    public const int MinimumBufferSize = 64;
    public const int DefaultBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly CancellationToken _cancellationToken;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _endOfStream;
    private bool _midLine;

    public LineSegmentReader(Stream stream, int bufferSize = DefaultBufferSize, CancellationToken cancellationToken = default)
    {
        _stream = stream;
        _cancellationToken = cancellationToken;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, MinimumBufferSize));
    }

    /// <summary>Reads the next piece of a line; pieces exclude the line feed, keep any carriage return.</summary>
    /// <param name="piece">Valid until the next call.</param>
    /// <param name="startsLine">The piece is the beginning of a line.</param>
    /// <param name="endsLine">The piece reaches the end of its line (a line feed or the end of the stream).</param>
    /// <returns>False at the end of the stream.</returns>
    public bool TryRead(out ReadOnlySpan<byte> piece, out bool startsLine, out bool endsLine)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        startsLine = !_midLine;
        while (true)
        {
            ReadOnlySpan<byte> available = _buffer.AsSpan(_start, _end - _start);
            var lineFeed = available.IndexOf((byte)'\n');
            if (lineFeed >= 0)
            {
                piece = available[..lineFeed];
                _start += lineFeed + 1;
                return EndLine(out endsLine);
            }

            if (_endOfStream)
            {
                if (available.IsEmpty && !_midLine)
                {
                    piece = default;
                    endsLine = false;
                    return false;
                }

                // The last line has no line feed.
                piece = available;
                _start = _end;
                return EndLine(out endsLine);
            }

            if (_midLine && !available.IsEmpty)
            {
                piece = available;
                _start = _end;
                endsLine = false;
                return true;
            }

            if (!_midLine && _start == 0 && _end == _buffer.Length)
            {
                // A line longer than the buffer: deliver its beginning.
                piece = available;
                _start = _end;
                _midLine = true;
                endsLine = false;
                return true;
            }

            Fill();
        }
    }

    private bool EndLine(out bool endsLine)
    {
        _midLine = false;
        endsLine = true;
        return true;
    }

    private void Fill()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            // Keep the unfinished line's beginning together with what follows.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            _endOfStream = true;
        }

        _end += n;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
