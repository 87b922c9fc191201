using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// The current swarm key as the peer protocol uses it: the proof this node sends with its peer requests, and the check of
/// the proof others send. Without a key every node is admitted and nothing is sent.
/// </summary>
public sealed class SwarmMembership(IOptionsMonitor<DiscoveryOptions> options, TimeProvider time)
{
    private (string? Secret, SwarmKey? Key) _cached;

    public bool IsClosed => Key is not null;

    /// <summary>The <see cref="SwarmKey.HeaderName"/> value for a request sent now; null in an open swarm.</summary>
    public string? Proof() => Key?.PeerProof(time.GetUtcNow());

    /// <summary>True when a peer request with this header may be served: always in an open swarm.</summary>
    public bool Admits(string? header) => Key is not { } key || key.VerifiesPeerProof(header, time.GetUtcNow());

    private SwarmKey? Key
    {
        get
        {
            var secret = options.CurrentValue.SwarmKey;
            var cached = _cached;
            if (!string.Equals(cached.Secret, secret, StringComparison.Ordinal))
                _cached = cached = (secret, SwarmKey.From(secret));
            return cached.Key;
        }
    }
}
