using System.Security.Cryptography;

namespace AptP2P.Engine.Dht.Items;

/// <summary>
/// PROTOCOL.md §2.1: a file's piece list is a BEP 44 mutable item whose key pair every node derives from the file's SHA-256
/// (seed = SHA-256("aptp2p-pieces-v1" ‖ hash)), with an empty salt and seq 1, so every holder publishes the same bytes.
/// </summary>
public static class PieceListItem
{
    public const long Seq = 1;
    private static ReadOnlySpan<byte> SeedPrefix => "aptp2p-pieces-v1"u8;

    public static byte[] SeedFor(ContentHash file)
    {
        Span<byte> input = stackalloc byte[SeedPrefix.Length + ContentHash.Length];
        SeedPrefix.CopyTo(input);
        file.CopyTo(input[SeedPrefix.Length..]);
        return SHA256.HashData(input);
    }

    public static byte[] PublicKeyFor(ContentHash file) => MutableItem.PublicKeyOf(SeedFor(file));

    public static NodeId TargetFor(ContentHash file) => MutableItem.TargetOf(PublicKeyFor(file), []);

    /// <summary>The item to publish for <paramref name="file"/> with the bencoded piece list <paramref name="value"/>.</summary>
    public static MutableItem Create(ContentHash file, ReadOnlySpan<byte> value) => MutableItem.Create(SeedFor(file), [], Seq, value);

    /// <summary>What a downloader accepts (PROTOCOL.md §2.1): the file's derived key, no salt, seq 1, a valid signature.</summary>
    public static bool IsAcceptable(ContentHash file, MutableItem item) =>
        item.Seq == Seq && item.Salt.Length == 0 && item.Key.AsSpan().SequenceEqual(PublicKeyFor(file)) && item.VerifySignature();
}
