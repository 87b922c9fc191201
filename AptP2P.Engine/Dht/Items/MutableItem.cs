using System.Buffers;
using AptP2P.Engine.Dht.Bencode;
using NSec.Cryptography;

namespace AptP2P.Engine.Dht.Items;

/// <summary>
/// A BEP 44 mutable item: an Ed25519 public key, an optional salt, a sequence number, the bencoded value and the signature
/// over <c>4:salt…3:seqi…e1:v…</c>. Its DHT target is SHA-1(key ‖ salt).
/// </summary>
public sealed record MutableItem(byte[] Key, byte[] Salt, long Seq, byte[] Value, byte[] Signature)
{
    public NodeId Target => TargetOf(Key, Salt);

    public static NodeId TargetOf(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt)
    {
        Span<byte> buffer = stackalloc byte[publicKey.Length + salt.Length];
        publicKey.CopyTo(buffer);
        salt.CopyTo(buffer[publicKey.Length..]);
        return NodeId.Sha1(buffer);
    }

    /// <summary>The bytes BEP 44 signs: the salt (only when present), seq and v as bencoded dictionary entries.</summary>
    public static byte[] SignedBytes(ReadOnlySpan<byte> salt, long seq, ReadOnlySpan<byte> value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + salt.Length + 40);
        var writer = new BencodeWriter(buffer);
        if (!salt.IsEmpty)
            writer.WriteString("salt", salt);
        writer.WriteInteger("seq", seq);
        writer.WriteString("v");
        writer.WriteRaw(value);
        return buffer.WrittenSpan.ToArray();
    }

    public bool VerifySignature() => Verify(Key, Salt, Seq, Value, Signature);

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt, long seq, ReadOnlySpan<byte> value, ReadOnlySpan<byte> signature)
    {
        var algorithm = SignatureAlgorithm.Ed25519;
        if (publicKey.Length != algorithm.PublicKeySize || signature.Length != algorithm.SignatureSize)
            return false;
        if (!PublicKey.TryImport(algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            return false;
        return algorithm.Verify(key, SignedBytes(salt, seq, value), signature);
    }

    /// <summary>Signs a value with the key pair generated from a 32-byte Ed25519 seed (deterministic: same inputs, same item).</summary>
    /// <exception cref="ArgumentException">The value is not one strict bencoded value of at most 1000 bytes, or the salt is over 64 bytes.</exception>
    public static MutableItem Create(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> salt, long seq, ReadOnlySpan<byte> value)
    {
        // A value that is not bencode would corrupt the put message it is embedded in: refuse it here, loudly.
        if (value.Length > Krpc.KrpcDecoder.MaxValueLength || !BencodeDocument.IsValid(value.ToArray()))
            throw new ArgumentException("A BEP 44 value is one bencoded value of at most 1000 bytes.", nameof(value));
        if (salt.Length > Krpc.KrpcDecoder.MaxSaltLength)
            throw new ArgumentException("A BEP 44 salt has at most 64 bytes.", nameof(salt));
        var algorithm = SignatureAlgorithm.Ed25519;
        using var key = NSec.Cryptography.Key.Import(algorithm, seed, KeyBlobFormat.RawPrivateKey);
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var signature = algorithm.Sign(key, SignedBytes(salt, seq, value));
        return new MutableItem(publicKey, salt.ToArray(), seq, value.ToArray(), signature);
    }

    /// <summary>The public key of the key pair generated from <paramref name="seed"/>.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> seed)
    {
        using var key = NSec.Cryptography.Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        return key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }
}
