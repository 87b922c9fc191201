using System.Buffers;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Streams the stanzas of a deb822 control file (Packages, Sources, Release, pdiff Index) and
/// copies out only the values of the fields named in <see cref="ControlFields"/>; a Packages file
/// has some twenty fields per stanza of which we need three.
/// </summary>
/// <remarks>
/// Stanzas are separated by empty lines (a lone carriage return counts as empty). A field line is
/// <c>Name: value</c>; a line starting with a space or tab continues the previous field; lines
/// starting with <c>#</c> are comments. A captured value is its first line followed by each
/// continuation line after a line feed, all with surrounding blanks removed, so a hash list
/// reads as <c>"\nhex size name\nhex size name"</c>. When a field occurs twice, the first wins.
/// </remarks>
internal sealed class ControlFileReader : IDisposable
{
    public const int DefaultMaxValueLength = 64 * 1024 * 1024;

    private const int NoField = -2;
    private const int Unwanted = -1;
    private const int Absent = -1;

    private readonly LineSegmentReader _lines;
    private readonly ControlFields _fields;
    private readonly ParseCounters _counters;
    private readonly int _maxValueLength;
    private readonly int[] _valueStart;
    private readonly int[] _valueLength;
    private byte[] _values;
    private int _valuesUsed;

    // The field the current line belongs to: a wanted field's index, Unwanted, or NoField.
    private int _field = NoField;
    private bool _capturing;
    private bool _skipLeadingBlanks;
    private int _lineValueStart;

    /// <param name="stream">Decompressed content; not disposed by the reader.</param>
    public ControlFileReader(
        Stream stream,
        ControlFields fields,
        ParseCounters counters,
        int bufferSize = LineSegmentReader.DefaultBufferSize,
        int maxValueLength = DefaultMaxValueLength,
        CancellationToken cancellationToken = default)
    {
        _lines = new LineSegmentReader(stream, bufferSize, cancellationToken);
        _fields = fields;
        _counters = counters;
        _maxValueLength = maxValueLength;
        _valueStart = new int[fields.Count];
        _valueLength = new int[fields.Count];
        _values = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>Counts of stanzas and malformed lines, shared with the parser using this reader.</summary>
    public ParseCounters Counters => _counters;

    /// <summary>Advances to the next stanza; its values stay valid until the next call.</summary>
    /// <returns>False at the end of the file.</returns>
    public bool ReadStanza()
    {
        Array.Fill(_valueLength, Absent);
        _valuesUsed = 0;
        _field = NoField;
        _capturing = false;
        var inStanza = false;

        while (_lines.TryRead(out var piece, out var startsLine, out var endsLine))
        {
            if (startsLine)
            {
                if (endsLine && (piece.IsEmpty || piece is [(byte)'\r']))
                {
                    if (inStanza)
                    {
                        break;
                    }

                    continue;
                }

                inStanza |= StartLine(piece, endsLine);
            }
            else if (_capturing)
            {
                Append(piece);
            }

            if (endsLine && _capturing)
            {
                TrimLineEnd();
                _capturing = false;
            }
        }

        if (inStanza)
        {
            _counters.Stanzas++;
        }

        return inStanza;
    }

    /// <summary>The value of a wanted field in the current stanza.</summary>
    /// <returns>False if the stanza does not have the field.</returns>
    public bool TryGetValue(int field, out ReadOnlySpan<byte> value)
    {
        var length = _valueLength[field];
        value = length == Absent ? default : _values.AsSpan(_valueStart[field], length);
        return length != Absent;
    }

    /// <returns>Whether the line is stanza content (a field or its continuation).</returns>
    private bool StartLine(ReadOnlySpan<byte> piece, bool endsLine)
    {
        switch (piece[0])
        {
            case (byte)'#':
                return false;
            case (byte)' ' or (byte)'\t':
                return ContinueField(piece);
        }

        var colon = piece.IndexOf((byte)':');
        if (colon < 0)
        {
            if (endsLine)
            {
                _counters.MalformedLines++;
                _field = NoField;
                return false;
            }

            // Only the line's beginning is in view: a name this long is none we want.
            _field = Unwanted;
            return true;
        }

        var name = piece[..colon].TrimEnd(" \t"u8);
        if (name.IsEmpty)
        {
            _counters.MalformedLines++;
            _field = NoField;
            return false;
        }

        var index = _fields.IndexOf(name);
        if (index < 0 || _valueLength[index] != Absent)
        {
            _field = Unwanted;
            return true;
        }

        _field = index;
        _valueStart[index] = _valuesUsed;
        _valueLength[index] = 0;
        BeginCapture();
        Append(piece[(colon + 1)..]);
        return true;
    }

    private bool ContinueField(ReadOnlySpan<byte> piece)
    {
        if (_field == NoField)
        {
            _counters.MalformedLines++;
            return false;
        }

        if (_field == Unwanted)
        {
            return true;
        }

        _capturing = true;
        _skipLeadingBlanks = false;
        Append("\n"u8);
        if (_capturing)
        {
            BeginCapture();
            Append(piece);
        }

        return true;
    }

    private void BeginCapture()
    {
        _capturing = true;
        _skipLeadingBlanks = true;
        _lineValueStart = _valuesUsed;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_skipLeadingBlanks)
        {
            var first = bytes.IndexOfAnyExcept(" \t"u8);
            if (first < 0)
            {
                return;
            }

            bytes = bytes[first..];
            _skipLeadingBlanks = false;
        }

        var start = _valueStart[_field];
        if ((long)_valuesUsed - start + bytes.Length > _maxValueLength)
        {
            // Drop the whole value rather than hand out a truncated one.
            _counters.MalformedLines++;
            _valuesUsed = start;
            _valueLength[_field] = Absent;
            _field = Unwanted;
            _capturing = false;
            return;
        }

        if (_values.Length - _valuesUsed < bytes.Length)
        {
            Grow(_valuesUsed + bytes.Length);
        }

        bytes.CopyTo(_values.AsSpan(_valuesUsed));
        _valuesUsed += bytes.Length;
        _valueLength[_field] = _valuesUsed - start;
    }

    private void TrimLineEnd()
    {
        var end = _valuesUsed;
        while (end > _lineValueStart && _values[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            end--;
        }

        _valuesUsed = end;
        _valueLength[_field] = end - _valueStart[_field];
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)needed, 2L * _values.Length), Array.MaxLength));
        _values.AsSpan(0, _valuesUsed).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_values);
        _values = larger;
    }

    public void Dispose()
    {
        _lines.Dispose();
        if (_values.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_values);
            _values = [];
        }
    }
}
