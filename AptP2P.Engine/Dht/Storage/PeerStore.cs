using System.Net;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>A peer stored for a key, with its expiry (Unix milliseconds): the unit of the batched persistence.</summary>
public sealed record StoredPeer(NodeId Key, IPEndPoint Peer, long ExpiresAtMs);

/// <summary>
/// The peers others announced to us (BEP 5 announce_peer), per key, each expiring after <c>lifetime</c> unless announced
/// again. Bounded in keys and in peers per key. Changes are collected for the next persistence batch.
/// </summary>
public sealed class PeerStore(TimeProvider time, int maxKeys, int maxPeersPerKey, TimeSpan lifetime)
{
    private const int MaxPendingChanges = 50_000;

    private readonly Dictionary<NodeId, Dictionary<IPEndPoint, long>> _peers = [];
    private List<StoredPeer> _changes = [];

    public int KeyCount => _peers.Count;
    public int PeerCount => _peers.Values.Sum(p => p.Count);
    public IEnumerable<NodeId> Keys => _peers.Keys;

    /// <summary>Stores or refreshes a peer; false when the store is full of other keys.</summary>
    public bool Add(NodeId key, IPEndPoint peer)
    {
        var expires = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)lifetime.TotalMilliseconds;
        if (!Insert(key, peer, expires))
            return false;
        if (_changes.Count < MaxPendingChanges)
            _changes.Add(new StoredPeer(key, peer, expires));
        return true;
    }

    /// <summary>Restores a persisted peer (no change is recorded).</summary>
    public void Load(StoredPeer stored)
    {
        if (stored.ExpiresAtMs > time.GetUtcNow().ToUnixTimeMilliseconds())
            Insert(stored.Key, stored.Peer, stored.ExpiresAtMs);
    }

    private bool Insert(NodeId key, IPEndPoint peer, long expires)
    {
        if (!_peers.TryGetValue(key, out var peers))
        {
            if (_peers.Count >= maxKeys)
                return false;
            peers = [];
            _peers.Add(key, peers);
        }
        if (!peers.ContainsKey(peer) && peers.Count >= maxPeersPerKey)
            peers.Remove(peers.MinBy(p => p.Value).Key);
        peers[peer] = expires;
        return true;
    }

    /// <summary>Up to <paramref name="max"/> live peers for a key, a random choice when there are more.</summary>
    public List<IPEndPoint> Get(NodeId key, int max, Random random)
    {
        if (!_peers.TryGetValue(key, out var peers))
            return [];
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = peers.Where(p => p.Value > now).Select(p => p.Key).ToList();
        if (live.Count <= max)
            return live;
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(live));
        return live.GetRange(0, max);
    }

    /// <summary>Forgets expired peers and keys left empty.</summary>
    public void Expire()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (key, peers) in _peers.ToList())
        {
            foreach (var (peer, expires) in peers.ToList())
            {
                if (expires <= now)
                    peers.Remove(peer);
            }
            if (peers.Count == 0)
                _peers.Remove(key);
        }
    }

    /// <summary>The changes since the last call, for one persistence batch.</summary>
    public List<StoredPeer> DrainChanges()
    {
        var changes = _changes;
        _changes = [];
        return changes;
    }
}
