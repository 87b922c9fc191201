using System.Buffers;

namespace AptP2P.Engine.Dht.Bencode;

/// <summary>
/// A strictly parsed bencoded value over a caller's buffer. Parsing is iterative (an explicit stack bounded by
/// <see cref="DefaultMaxDepth"/>), never throws on input, and allocates one pooled token array; values are read as spans of
/// the original bytes. Dispose to return the array. The buffer must outlive the document.
/// </summary>
public sealed class BencodeDocument : IDisposable
{
    /// <summary>KRPC needs depth 4; BEP 44 values may nest a little more. Anything deeper is hostile.</summary>
    public const int DefaultMaxDepth = 16;

    private BencodeToken[]? _tokens;

    private BencodeDocument(ReadOnlyMemory<byte> data, BencodeToken[] tokens, int count)
    {
        Data = data;
        _tokens = tokens;
        TokenCount = count;
    }

    public ReadOnlyMemory<byte> Data { get; }
    internal int TokenCount { get; }
    public BencodeElement Root => new(this, 0);

    internal ref readonly BencodeToken Token(int index)
    {
        ObjectDisposedException.ThrowIf(_tokens is null, this);
        return ref _tokens[index];
    }

    public void Dispose()
    {
        if (_tokens is { } tokens)
        {
            _tokens = null;
            ArrayPool<BencodeToken>.Shared.Return(tokens);
        }
    }

    /// <summary>Parses exactly one value that fills <paramref name="data"/>.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> data, out BencodeDocument? document, out BencodeError error, int maxDepth = DefaultMaxDepth) =>
        TryParse(data, out document, out error, out _, maxDepth);

    public static bool TryParse(ReadOnlyMemory<byte> data, out BencodeDocument? document, out BencodeError error, out int errorPosition, int maxDepth = DefaultMaxDepth)
    {
        document = null;
        errorPosition = 0;
        maxDepth = Math.Clamp(maxDepth, 1, 64);
        if (data.IsEmpty)
        {
            error = BencodeError.Empty;
            return false;
        }
        // Every complete value takes at least two bytes ("0:", "le", "de"), so this bounds the token count of valid input.
        var tokens = ArrayPool<BencodeToken>.Shared.Rent(data.Length / 2 + 1);
        var parser = new Parser(data.Span, tokens, maxDepth);
        error = parser.Run(out var count, out errorPosition);
        if (error != BencodeError.None)
        {
            ArrayPool<BencodeToken>.Shared.Return(tokens);
            return false;
        }
        document = new BencodeDocument(data, tokens, count);
        return true;
    }

    /// <summary>True when <paramref name="data"/> is exactly one strict bencoded value.</summary>
    public static bool IsValid(ReadOnlyMemory<byte> data, int maxDepth = DefaultMaxDepth)
    {
        if (!TryParse(data, out var doc, out _, maxDepth))
            return false;
        doc!.Dispose();
        return true;
    }

    private ref struct Parser(ReadOnlySpan<byte> data, BencodeToken[] tokens, int maxDepth)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;
        private int _count;

        public BencodeError Run(out int count, out int errorPosition)
        {
            var error = Parse();
            count = _count;
            errorPosition = _pos;
            return error;
        }

        private BencodeError Parse()
        {
            Span<int> open = stackalloc int[maxDepth + 1];
            var depth = 0;
            while (true)
            {
                if (_pos >= _data.Length)
                    return BencodeError.UnexpectedEnd;
                var c = _data[_pos];
                if (depth > 0 && c == (byte)'e')
                {
                    ref var container = ref tokens[open[depth - 1]];
                    if (container.Kind == BencodeKind.Dictionary && (container.Count & 1) == 1)
                        return BencodeError.MissingValue;
                    _pos++;
                    container.RawEnd = _pos;
                    container.Next = _count;
                    depth--;
                    if (depth == 0)
                        break;
                    continue;
                }

                var index = _count;
                if (depth > 0)
                {
                    var parentIndex = open[depth - 1];
                    var isKey = tokens[parentIndex].Kind == BencodeKind.Dictionary && (tokens[parentIndex].Count & 1) == 0;
                    if (isKey && c is < (byte)'0' or > (byte)'9')
                        return BencodeError.KeyNotString;
                    var error = ParseValue(c, open, ref depth);
                    if (error != BencodeError.None)
                        return error;
                    ref var parent = ref tokens[parentIndex];
                    if (isKey)
                    {
                        if (parent.Count > 0)
                        {
                            var order = KeySpan(parent.LastKey).SequenceCompareTo(KeySpan(index));
                            if (order == 0)
                                return BencodeError.DuplicateKey;
                            if (order > 0)
                                return BencodeError.UnsortedKeys;
                        }
                        parent.LastKey = index;
                    }
                    parent.Count++;
                }
                else
                {
                    var error = ParseValue(c, open, ref depth);
                    if (error != BencodeError.None)
                        return error;
                }
                if (depth == 0)
                    break;
            }
            return _pos == _data.Length ? BencodeError.None : BencodeError.TrailingBytes;
        }

        private readonly ReadOnlySpan<byte> KeySpan(int token)
        {
            ref readonly var t = ref tokens[token];
            return _data[(t.RawEnd - (int)t.Value)..t.RawEnd];
        }

        private BencodeError ParseValue(byte c, scoped Span<int> open, ref int depth)
        {
            // Closed values take two bytes or more, so only containers left open can run past the array: the input ends too soon.
            if (_count >= tokens.Length)
                return BencodeError.UnexpectedEnd;
            ref var token = ref tokens[_count];
            token = default;
            token.RawStart = _pos;
            switch (c)
            {
                case (byte)'i':
                    token.Kind = BencodeKind.Number;
                    _pos++;
                    var intError = ReadInteger((byte)'e', allowNegative: true, out token.Value);
                    if (intError != BencodeError.None)
                        return intError;
                    token.RawEnd = _pos;
                    token.Next = ++_count;
                    return BencodeError.None;
                case >= (byte)'0' and <= (byte)'9':
                    token.Kind = BencodeKind.Bytes;
                    var lenError = ReadInteger((byte)':', allowNegative: false, out var length);
                    if (lenError != BencodeError.None)
                        return lenError;
                    if (length > _data.Length - _pos)
                        return BencodeError.StringTooLong;
                    _pos += (int)length;
                    token.Value = length;
                    token.RawEnd = _pos;
                    token.Next = ++_count;
                    return BencodeError.None;
                case (byte)'l' or (byte)'d':
                    if (depth >= maxDepth)
                        return BencodeError.TooDeep;
                    token.Kind = c == (byte)'l' ? BencodeKind.List : BencodeKind.Dictionary;
                    _pos++;
                    open[depth++] = _count++;
                    return BencodeError.None;
                default:
                    return BencodeError.InvalidCharacter;
            }
        }

        /// <summary>Reads digits up to <paramref name="terminator"/>: no leading zeros, no negative zero, no overflow.</summary>
        private BencodeError ReadInteger(byte terminator, bool allowNegative, out long value)
        {
            value = 0;
            var negative = false;
            if (allowNegative && _pos < _data.Length && _data[_pos] == (byte)'-')
            {
                negative = true;
                _pos++;
            }
            var start = _pos;
            ulong magnitude = 0;
            while (true)
            {
                if (_pos >= _data.Length)
                    return BencodeError.UnexpectedEnd;
                var d = _data[_pos];
                if (d == terminator)
                    break;
                if (d is < (byte)'0' or > (byte)'9')
                    return BencodeError.InvalidCharacter;
                if (_pos - start >= 19)
                    return BencodeError.IntegerOverflow;
                magnitude = magnitude * 10 + (ulong)(d - '0');
                _pos++;
            }
            var digits = _pos - start;
            if (digits == 0)
                return BencodeError.InvalidCharacter;
            if (digits > 1 && _data[start] == (byte)'0')
                return BencodeError.LeadingZero;
            if (negative && magnitude == 0)
                return BencodeError.NegativeZero;
            if (magnitude > long.MaxValue)
                return BencodeError.IntegerOverflow;
            _pos++;
            value = negative ? -(long)magnitude : (long)magnitude;
            return BencodeError.None;
        }
    }
}
