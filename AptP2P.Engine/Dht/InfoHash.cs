using System.Diagnostics.CodeAnalysis;

namespace AptP2P.Engine.Dht;

/// <summary>A DHT key: for an AptP2P file, the first 20 bytes of its SHA-256 (PROTOCOL.md §2).</summary>
public readonly record struct InfoHash(NodeId Id)
{
    public static InfoHash FromFile(ContentHash file)
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Length];
        file.CopyTo(bytes);
        return new InfoHash(new NodeId(bytes[..NodeId.Length]));
    }

    public static InfoHash FromBytes(ReadOnlySpan<byte> bytes) => new(new NodeId(bytes));

    /// <summary>40 hex digits, either case.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out InfoHash key)
    {
        var ok = NodeId.TryParse(hex, out var id);
        key = new InfoHash(id);
        return ok;
    }

    public override string ToString() => Id.ToString();
}
