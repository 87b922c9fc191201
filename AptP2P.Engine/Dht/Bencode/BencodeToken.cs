namespace AptP2P.Engine.Dht.Bencode;

/// <summary>
/// One parsed value, stored flat in document order (like <c>JsonDocument</c>'s metadata rows). <see cref="Next"/> is the index of the
/// token after this value and everything inside it, so a container's children are walked without recursion.
/// </summary>
internal struct BencodeToken
{
    public BencodeKind Kind;
    /// <summary>Offset of the value's first byte in the document (the <c>i</c>, the first length digit, the <c>l</c> or <c>d</c>).</summary>
    public int RawStart;
    /// <summary>Offset just past the value's last byte.</summary>
    public int RawEnd;
    /// <summary>Index of the token following this value's subtree.</summary>
    public int Next;
    /// <summary>Children of a list or dictionary (a dictionary counts keys and values).</summary>
    public int Count;
    /// <summary>An integer's value, or a string's payload length.</summary>
    public long Value;
    /// <summary>For a dictionary being parsed: the token index of its last key, to check order.</summary>
    public int LastKey;
}
