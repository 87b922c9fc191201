using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// The shared secret of a closed swarm (<c>AptP2P:Discovery:SwarmKey</c>) as the wire uses it: HMAC-SHA256 proofs under a key
/// derived from it, so a node proves it knows the secret without revealing it (docs/PROTOCOL-LAN.md §3).
/// </summary>
public sealed class SwarmKey
{
    /// <summary>How far a proof's timestamp may be from our clock: bounds replays, tolerates unsynchronised clocks.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    /// <summary>The HTTP request header a node of a closed swarm sends with every peer request.</summary>
    public const string HeaderName = "AptP2P-Swarm";

    private readonly byte[] _key;

    private SwarmKey(byte[] key) => _key = key;

    /// <summary>The key of <paramref name="secret"/>; null when there is no secret (an open swarm).</summary>
    public static SwarmKey? From(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
            return null;
        var input = Encoding.UTF8.GetBytes("aptp2p-lan-v1" + secret);
        return new SwarmKey(SHA256.HashData(input));
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_key, data);

    public bool Verifies(ReadOnlySpan<byte> data, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, data, expected);
        return proof.Length == 32 && CryptographicOperations.FixedTimeEquals(expected, proof);
    }

    /// <summary>The <see cref="HeaderName"/> value for a request sent at <paramref name="now"/>: <c>unix-seconds:hex-hmac</c>.</summary>
    public string PeerProof(DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return seconds + ":" + Convert.ToHexStringLower(Sign(PeerProofInput(seconds)));
    }

    /// <summary>True when <paramref name="header"/> is a proof made with this key within <see cref="Window"/> of <paramref name="now"/>.</summary>
    public bool VerifiesPeerProof(string? header, DateTimeOffset now)
    {
        if (header is null || header.Length > 100)
            return false;
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(header.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return false;
        if (!IsFresh(seconds, now))
            return false;
        var hex = header.AsSpan(colon + 1);
        Span<byte> proof = stackalloc byte[32];
        return hex.Length == 64
            && Convert.FromHexString(hex, proof, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32
            && Verifies(PeerProofInput(header[..colon]), proof);
    }

    public static bool IsFresh(long unixSeconds, DateTimeOffset now) =>
        Math.Abs(now.ToUnixTimeSeconds() - unixSeconds) <= (long)Window.TotalSeconds;

    private static byte[] PeerProofInput(string seconds) => Encoding.ASCII.GetBytes("aptp2p-peer-v1:" + seconds);
}
