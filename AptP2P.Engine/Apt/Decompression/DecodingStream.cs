namespace AptP2P.Engine.Apt.Decompression;

/// <summary>
/// Wraps a decompressor so that every way it can reject its input surfaces as one exception
/// type, <see cref="InvalidDataException"/>: the decoders throw a zoo of their own types (and
/// sometimes index errors on garbage), and callers should not have to know them.
/// </summary>
internal sealed class DecodingStream : ReadOnlyStream
{
    private readonly RawInput _input;
    private readonly Func<RawInput, Stream> _openDecoder;
    private readonly string _format;
    private Stream? _decoder;
    private readonly Action<long>? _checkEnd;
    private long _decoded;
    private bool _ended;

    /// <param name="input">The compressed input; owned.</param>
    /// <param name="openDecoder">Creates the decompressor, on first read: some decoders already read and decode in their constructor.</param>
    /// <param name="format">Format name for messages, e.g. "xz".</param>
    /// <param name="checkEnd">Called once at the end with the decoded length; throws <see cref="InvalidDataException"/> if the input was incomplete.</param>
    public DecodingStream(RawInput input, Func<RawInput, Stream> openDecoder, string format, Action<long>? checkEnd = null)
    {
        _input = input;
        _openDecoder = openDecoder;
        _format = format;
        _checkEnd = checkEnd;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        int n;
        try
        {
            _decoder ??= _openDecoder(_input);
            n = _decoder.Read(buffer);
        }
        catch (Exception ex) when (ex is not (IOException or InvalidDataException or OperationCanceledException or OutOfMemoryException))
        {
            throw new InvalidDataException($"The {_format} data is corrupt: {ex.Message}", ex);
        }

        if (n > 0)
        {
            _decoded += n;
            return n;
        }

        _ended = true;
        _checkEnd?.Invoke(_decoded);
        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decoder?.Dispose();
            _input.Dispose();
        }

        base.Dispose(disposing);
    }
}
