using System.Net;
using System.Security.Cryptography;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>
/// Write tokens for announce_peer and put (BEP 5): an HMAC of the requester's address under a secret that rotates every
/// <see cref="RotationInterval"/>. Tokens made under the current or the previous secret are accepted, so a token lives at
/// least one interval and at most two.
/// </summary>
public sealed class TokenIssuer(TimeProvider time, TimeSpan rotationInterval)
{
    public const int TokenLength = 8;

    private readonly byte[] _current = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _previous = RandomNumberGenerator.GetBytes(32);
    private long _epoch = time.GetUtcNow().UtcTicks / rotationInterval.Ticks;

    public TimeSpan RotationInterval { get; } = rotationInterval;

    public byte[] Issue(IPAddress requester)
    {
        Rotate();
        return Compute(_current, requester);
    }

    public bool IsValid(IPAddress requester, ReadOnlySpan<byte> token)
    {
        Rotate();
        if (token.Length != TokenLength)
            return false;
        return CryptographicOperations.FixedTimeEquals(token, Compute(_current, requester))
            || CryptographicOperations.FixedTimeEquals(token, Compute(_previous, requester));
    }

    private void Rotate()
    {
        var epoch = time.GetUtcNow().UtcTicks / RotationInterval.Ticks;
        if (epoch == _epoch)
            return;
        if (epoch == _epoch + 1)
            _current.CopyTo(_previous, 0);
        else
            RandomNumberGenerator.Fill(_previous);
        RandomNumberGenerator.Fill(_current);
        _epoch = epoch;
    }

    private static byte[] Compute(byte[] secret, IPAddress requester)
    {
        Span<byte> address = stackalloc byte[16];
        if (requester.IsIPv4MappedToIPv6)
            requester = requester.MapToIPv4();
        requester.TryWriteBytes(address, out var written);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, address[..written], mac);
        return mac[..TokenLength].ToArray();
    }
}
