using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace AptP2P.Engine;

/// <summary>The SHA-256 of a file's content: the identity of every file AptP2P stores, serves and shares.</summary>
public readonly struct ContentHash : IEquatable<ContentHash>
{
    public const int Length = 32;
    public const int HexLength = 64;

    private readonly ulong _a, _b, _c, _d;

    public ContentHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new ArgumentException($"A SHA-256 has {Length} bytes, not {bytes.Length}.", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Accepts exactly 64 hex digits (either case).</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out ContentHash hash) =>
        TryParse(hex.AsSpan(), out hash);

    public static bool TryParse(ReadOnlySpan<char> hex, out ContentHash hash)
    {
        hash = default;
        if (hex.Length != HexLength)
            return false;
        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
            return false;
        hash = new ContentHash(bytes);
        return true;
    }

    /// <summary>Only the protocol's form: 64 lowercase hex digits (PROTOCOL.md §1).</summary>
    public static bool TryParseStrict(ReadOnlySpan<char> hex, out ContentHash hash)
    {
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                hash = default;
                return false;
            }
        }
        return TryParse(hex, out hash);
    }

    public static ContentHash Parse(string hex) =>
        TryParse(hex, out var hash) ? hash : throw new FormatException($"'{hex}' is not a SHA-256 in hex.");

    public static ContentHash Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(data, digest);
        return new ContentHash(digest);
    }

    public static ContentHash FromHasher(IncrementalHash hasher)
    {
        Span<byte> digest = stackalloc byte[Length];
        hasher.GetHashAndReset(digest);
        return new ContentHash(digest);
    }

    public override string ToString() =>
        string.Create(HexLength, this, static (chars, hash) =>
        {
            hash._a.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
            hash._b.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
            hash._c.TryFormat(chars[32..], out _, "x16", CultureInfo.InvariantCulture);
            hash._d.TryFormat(chars[48..], out _, "x16", CultureInfo.InvariantCulture);
        });

    public bool Equals(ContentHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is ContentHash other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);
    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);
    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
