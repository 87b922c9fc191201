using SharpCompress.Compressors.Xz;

namespace AptP2P.Engine.Apt.Decompression;

/// <summary>
/// Decodes every stream of an xz file. The format allows several streams back to back, separated
/// by zero padding (e.g. <c>cat a.xz b.xz</c>), but SharpCompress's <see cref="XZStream"/> stops
/// after the first one; it does leave the input exactly at that stream's end, so we go on from there.
/// </summary>
internal sealed class ConcatenatedXzStream : ReadOnlyStream
{
    private readonly RawInput _raw;
    private XZStream _current;

    public ConcatenatedXzStream(RawInput raw)
    {
        _raw = raw;
        _current = new XZStream(raw);
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var n = _current.Read(buffer);
            if (n > 0 || !StartNextStream())
            {
                return n;
            }
        }
    }

    private bool StartNextStream()
    {
        // Stream padding comes in multiples of four zero bytes.
        Span<byte> word = stackalloc byte[4];
        while (true)
        {
            var n = _raw.Read(word);
            if (n == 0)
            {
                return false;
            }

            if (n < word.Length)
            {
                throw new InvalidDataException("The xz data has trailing bytes after its last stream.");
            }

            if (word.IndexOfAnyExcept((byte)0) >= 0)
            {
                _raw.Unread(word.Length);
                _current.Dispose();
                _current = new XZStream(_raw);
                return true;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current.Dispose();
            _raw.Dispose();
        }

        base.Dispose(disposing);
    }
}
