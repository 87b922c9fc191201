using System.Buffers;

namespace AptP2P.Engine.Apt.Decompression;

/// <summary>
/// The compressed side of the decoding pipeline. It buffers, because the xz and bzip2 decoders
/// read their input a byte at a time through <see cref="Stream.ReadByte"/> (whose base
/// implementation allocates per call) and the xz decoder mistakes a short read for the end; it
/// lets the last few bytes read be read again, for sniffing the format; and it keeps the last
/// bytes of the file, because .NET's gzip decoder reports a truncated file as a normal end.
/// </summary>
internal sealed class RawInput : ReadOnlyStream
{
    public const int TailLength = 8;

    // Bytes kept from the previous fill so that a short read-ahead can always be unread.
    private const int LookBehind = 16;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _tail = new byte[TailLength];
    private byte[] _buffer;
    private int _start;
    private int _end;

    public RawInput(Stream inner, bool leaveOpen, int bufferSize = 64 * 1024)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 4 * LookBehind));
    }

    /// <summary>Bytes read from the underlying stream so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>
    /// Offset in the raw file of the next byte delivered. SharpCompress's xz decoder reads it to
    /// align blocks, so it must be readable although the stream cannot seek.
    /// </summary>
    public override long Position
    {
        get => Consumed - (_end - _start);
        set => throw new NotSupportedException();
    }

    /// <summary>The underlying stream has reported its end.</summary>
    public bool ReachedEnd { get; private set; }

    /// <summary>The last <see cref="TailLength"/> bytes of the underlying stream read so far (fewer if it was shorter).</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(TailLength - (int)Math.Min(Consumed, TailLength));

    /// <summary>Makes the last <paramref name="count"/> bytes read (at most 16) be delivered again.</summary>
    public void Unread(int count)
    {
        if (count > _start)
        {
            throw new InvalidOperationException($"Only the last {LookBehind} bytes read can be unread.");
        }

        _start -= count;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> completely unless the input ends: SharpCompress's xz decoder
    /// takes a short read of a block header for a truncated file, so partial reads of a network
    /// stream must not reach it.
    /// </summary>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var total = 0;
        while (total < buffer.Length)
        {
            if (_start == _end && buffer.Length - total >= _buffer.Length / 2)
            {
                // A reader with a buffer about as large as ours gains nothing from a copy through
                // it. Only small reads are ever unread, so bypassing the look-behind is safe.
                var direct = ReadInner(buffer[total..]);
                if (direct == 0)
                {
                    break;
                }

                total += direct;
                continue;
            }

            if (_start == _end && !Fill())
            {
                break;
            }

            var n = Math.Min(buffer.Length - total, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(buffer[total..]);
            _start += n;
            total += n;
        }

        return total;
    }

    public override int ReadByte()
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        return _start < _end || Fill() ? _buffer[_start++] : -1;
    }

    private bool Fill()
    {
        var keep = Math.Min(LookBehind, _end);
        _buffer.AsSpan(_end - keep, keep).CopyTo(_buffer);
        _start = _end = keep;

        var n = ReadInner(_buffer.AsSpan(keep));
        _end += n;
        return n > 0;
    }

    private int ReadInner(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        if (n == 0)
        {
            ReachedEnd = true;
            return 0;
        }

        Remember(buffer[..n]);
        Consumed += n;
        return n;
    }

    private void Remember(ReadOnlySpan<byte> read)
    {
        if (read.Length >= TailLength)
        {
            read[^TailLength..].CopyTo(_tail);
            return;
        }

        _tail.AsSpan(read.Length).CopyTo(_tail);
        read.CopyTo(_tail.AsSpan(TailLength - read.Length));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
