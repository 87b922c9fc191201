using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Security.Cryptography;

namespace AptP2P.Engine.Dht;

/// <summary>A 160-bit Kademlia identifier (node id, info-hash, BEP 44 target), compared big-endian under the XOR metric.</summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    public const int Length = 20;
    public const int Bits = 160;

    private readonly ulong _hi;
    private readonly ulong _mid;
    private readonly uint _lo;

    private NodeId(ulong hi, ulong mid, uint lo)
    {
        _hi = hi;
        _mid = mid;
        _lo = lo;
    }

    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new ArgumentException($"An id has {Length} bytes, not {bytes.Length}.", nameof(bytes));
        _hi = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _mid = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _lo = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    public static NodeId Zero => default;
    public static NodeId Max => new(ulong.MaxValue, ulong.MaxValue, uint.MaxValue);

    public static bool TryRead(ReadOnlySpan<byte> bytes, out NodeId id)
    {
        id = bytes.Length == Length ? new NodeId(bytes) : default;
        return bytes.Length == Length;
    }

    public static NodeId Random()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return new NodeId(bytes);
    }

    public static NodeId Random(Random random)
    {
        Span<byte> bytes = stackalloc byte[Length];
        random.NextBytes(bytes);
        return new NodeId(bytes);
    }

    public static NodeId Sha1(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Length];
#pragma warning disable CA5350 // SHA-1 is what the protocol (BEP 44 targets) specifies; it is an address, not a security boundary.
        SHA1.HashData(data, digest);
#pragma warning restore CA5350
        return new NodeId(digest);
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _mid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _lo);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    public NodeId Xor(NodeId other) => new(_hi ^ other._hi, _mid ^ other._mid, _lo ^ other._lo);

    /// <summary>Leading bits shared with <paramref name="other"/> (160 when equal).</summary>
    public int CommonPrefixLength(NodeId other)
    {
        var d = Xor(other);
        if (d._hi != 0)
            return BitOperations.LeadingZeroCount(d._hi);
        if (d._mid != 0)
            return 64 + BitOperations.LeadingZeroCount(d._mid);
        return d._lo != 0 ? 128 + BitOperations.LeadingZeroCount(d._lo) : Bits;
    }

    /// <summary>Negative when this id is closer to <paramref name="target"/> than <paramref name="other"/> is.</summary>
    public int CompareDistance(NodeId other, NodeId target) => Xor(target).CompareTo(other.Xor(target));

    public bool GetBit(int index) => index switch
    {
        < 64 => ((_hi >> (63 - index)) & 1) != 0,
        < 128 => ((_mid >> (127 - index)) & 1) != 0,
        _ => ((_lo >> (159 - index)) & 1) != 0,
    };

    /// <summary>Keeps the first <paramref name="prefixBits"/> bits, flips the next one when asked, randomises the rest.</summary>
    public NodeId RandomWithPrefix(int prefixBits, bool flipNext, Random random)
    {
        Span<byte> mine = stackalloc byte[Length];
        Span<byte> noise = stackalloc byte[Length];
        CopyTo(mine);
        random.NextBytes(noise);
        for (var bit = 0; bit < Bits; bit++)
        {
            var mask = (byte)(0x80 >> (bit & 7));
            var value = bit < prefixBits ? (mine[bit >> 3] & mask) != 0
                : bit == prefixBits && flipNext ? (mine[bit >> 3] & mask) == 0
                : (noise[bit >> 3] & mask) != 0;
            if (value)
                noise[bit >> 3] |= mask;
            else
                noise[bit >> 3] &= (byte)~mask;
        }
        return new NodeId(noise);
    }

    public int CompareTo(NodeId other) =>
        _hi != other._hi ? _hi.CompareTo(other._hi) : _mid != other._mid ? _mid.CompareTo(other._mid) : _lo.CompareTo(other._lo);

    public static bool TryParse([NotNullWhen(true)] string? hex, out NodeId id)
    {
        id = default;
        if (hex is null || hex.Length != Length * 2)
            return false;
        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
            return false;
        id = new NodeId(bytes);
        return true;
    }

    public static NodeId Parse(string hex) => TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a 160-bit id in hex.");

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(NodeId other) => _hi == other._hi && _mid == other._mid && _lo == other._lo;
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_hi, _mid, _lo);
    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);
    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;
    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;
    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}
