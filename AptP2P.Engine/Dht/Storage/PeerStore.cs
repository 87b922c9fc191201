using System.Net;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>A peer stored for a key, with its expiry (Unix milliseconds).</summary>
public sealed record StoredPeer(NodeId Key, IPEndPoint Peer, long ExpiresAtMs);

/// <summary>
/// The peers others announced to us (BEP 5 announce_peer), per key, each expiring after <c>lifetime</c> unless announced
/// again. Bounded in keys and in peers per key. The keys changed since the last persistence batch are remembered, not the
/// changes themselves: a flood of announces then costs at most one rewrite of each key's bounded set per batch.
/// </summary>
public sealed class PeerStore(TimeProvider time, int maxKeys, int maxPeersPerKey, TimeSpan lifetime)
{
    private readonly Dictionary<NodeId, Dictionary<IPEndPoint, long>> _peers = [];
    private HashSet<NodeId> _changed = [];

    public int KeyCount => _peers.Count;
    public int PeerCount => _peers.Values.Sum(p => p.Count);
    public IEnumerable<NodeId> Keys => _peers.Keys;

    /// <summary>Stores or refreshes a peer; false when the store is full of other keys.</summary>
    public bool Add(NodeId key, IPEndPoint peer)
    {
        var expires = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)lifetime.TotalMilliseconds;
        if (!Insert(key, peer, expires, out _))
            return false;
        _changed.Add(key);
        return true;
    }

    /// <summary>
    /// Restores a persisted peer. A change is recorded only when the saved rows exceed the bounds (a peer evicted or refused),
    /// so that the next batch prunes the disk to what was kept.
    /// </summary>
    public void Load(StoredPeer stored)
    {
        if (stored.ExpiresAtMs <= time.GetUtcNow().ToUnixTimeMilliseconds())
            return;
        if (!Insert(stored.Key, stored.Peer, stored.ExpiresAtMs, out var evicted) || evicted)
            _changed.Add(stored.Key);
    }

    private bool Insert(NodeId key, IPEndPoint peer, long expires, out bool evicted)
    {
        evicted = false;
        if (!_peers.TryGetValue(key, out var peers))
        {
            if (_peers.Count >= maxKeys)
                return false;
            peers = [];
            _peers.Add(key, peers);
        }
        if (!peers.ContainsKey(peer) && peers.Count >= maxPeersPerKey)
        {
            peers.Remove(peers.MinBy(p => p.Value).Key);
            evicted = true;
        }
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

    /// <summary>The live peers of every key changed since the last call, for one persistence batch.</summary>
    public List<StoredPeerSet> DrainChanges()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var changes = new List<StoredPeerSet>(_changed.Count);
        foreach (var key in _changed)
        {
            var live = _peers.TryGetValue(key, out var peers)
                ? peers.Where(p => p.Value > now).Select(p => new StoredPeer(key, p.Key, p.Value)).ToList()
                : [];
            changes.Add(new StoredPeerSet(key, live));
        }
        _changed = [];
        return changes;
    }
}
