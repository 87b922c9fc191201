namespace AptP2P.Engine.Dht.Bencode;

/// <summary>The four bencode value types.</summary>
public enum BencodeKind : byte
{
    Number = 1,
    Bytes,
    List,
    Dictionary,
}

/// <summary>Why a byte sequence is not strict bencode. Returned, never thrown: packets from the network are expected to be wrong.</summary>
public enum BencodeError : byte
{
    None,
    Empty,
    UnexpectedEnd,
    InvalidCharacter,
    LeadingZero,
    NegativeZero,
    IntegerOverflow,
    StringTooLong,
    KeyNotString,
    UnsortedKeys,
    DuplicateKey,
    MissingValue,
    TooDeep,
    TrailingBytes,
}
