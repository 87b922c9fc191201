using System.Text;

namespace AptP2P.Engine.Dht.Bencode;

/// <summary>A value inside a <see cref="BencodeDocument"/>: a cheap handle, valid while the document is.</summary>
public readonly struct BencodeElement
{
    private readonly BencodeDocument _document;
    private readonly int _index;

    internal BencodeElement(BencodeDocument document, int index)
    {
        _document = document;
        _index = index;
    }

    private ref readonly BencodeToken Token => ref _document.Token(_index);

    public BencodeKind Kind => Token.Kind;

    /// <summary>The value's complete encoding (for a BEP 44 <c>v</c>, the exact bytes that were signed).</summary>
    public ReadOnlySpan<byte> RawSpan => _document.Data.Span[Token.RawStart..Token.RawEnd];
    public ReadOnlyMemory<byte> RawMemory => _document.Data[Token.RawStart..Token.RawEnd];

    /// <summary>Children of a list, or keys plus values of a dictionary.</summary>
    public int Count => Token.Count;

    public bool TryGetInteger(out long value)
    {
        value = Token.Value;
        return Token.Kind == BencodeKind.Number;
    }

    /// <summary>The payload of a string; empty for any other kind (check <see cref="Kind"/> first when it matters).</summary>
    public ReadOnlySpan<byte> GetBytes()
    {
        ref readonly var t = ref Token;
        return t.Kind == BencodeKind.Bytes ? _document.Data.Span[(t.RawEnd - (int)t.Value)..t.RawEnd] : default;
    }

    public ReadOnlyMemory<byte> GetMemory()
    {
        ref readonly var t = ref Token;
        return t.Kind == BencodeKind.Bytes ? _document.Data[(t.RawEnd - (int)t.Value)..t.RawEnd] : default;
    }

    public bool TryGetString(out ReadOnlySpan<byte> bytes)
    {
        bytes = GetBytes();
        return Kind == BencodeKind.Bytes;
    }

    /// <summary>Looks a key up in a dictionary (a linear scan: KRPC dictionaries have a handful of keys).</summary>
    public bool TryGetProperty(ReadOnlySpan<byte> key, out BencodeElement value)
    {
        value = default;
        if (Kind != BencodeKind.Dictionary)
            return false;
        var child = _index + 1;
        for (var i = 0; i < Token.Count; i += 2)
        {
            var keyElement = new BencodeElement(_document, child);
            var valueIndex = _document.Token(child).Next;
            if (keyElement.GetBytes().SequenceEqual(key))
            {
                value = new BencodeElement(_document, valueIndex);
                return true;
            }
            child = _document.Token(valueIndex).Next;
        }
        return false;
    }

    public bool TryGetProperty(string asciiKey, out BencodeElement value)
    {
        Span<byte> key = stackalloc byte[asciiKey.Length];
        Encoding.ASCII.GetBytes(asciiKey, key);
        return TryGetProperty(key, out value);
    }

    /// <summary>The items of a list, or the alternating keys and values of a dictionary.</summary>
    public ChildEnumerator EnumerateChildren() => new(_document, Kind is BencodeKind.List or BencodeKind.Dictionary ? _index : -1);

    public override string ToString() => Kind switch
    {
        BencodeKind.Number => Token.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        BencodeKind.Bytes => Encoding.UTF8.GetString(GetBytes()),
        _ => Kind.ToString(),
    };

    /// <summary>Walks a container's direct children without recursion.</summary>
    public struct ChildEnumerator
    {
        private readonly BencodeDocument _document;
        private readonly int _end;
        private int _next;
        private int _current;

        internal ChildEnumerator(BencodeDocument document, int container)
        {
            _document = document;
            _current = -1;
            if (container < 0)
            {
                _next = _end = 0;
                return;
            }
            _next = container + 1;
            _end = document.Token(container).Next;
        }

        public readonly BencodeElement Current => new(_document, _current);

        public readonly ChildEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next >= _end)
                return false;
            _current = _next;
            _next = _document.Token(_current).Next;
            return true;
        }
    }
}
