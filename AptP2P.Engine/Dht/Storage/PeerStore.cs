using System.Net;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>A peer stored for a key, with its expiry (Unix milliseconds).</summary>
public sealed record StoredPeer(NodeId Key, IPEndPoint Peer, long ExpiresAtMs);

/// <summary>
/// The peers others announced to us (BEP 5 announce_peer), per key, each expiring after <c>lifetime</c> unless announced
/// again. Bounded in keys and in peers per key. What changed since the last persistence batch is remembered per key, within
/// the same bounds: the peers announced, or, once the key evicted a peer, the whole key, rewritten at most once per batch.
/// </summary>
public sealed class PeerStore(TimeProvider time, int maxKeys, int maxPeersPerKey, TimeSpan lifetime)
{
    private readonly Dictionary<NodeId, Dictionary<IPEndPoint, long>> _peers = [];
    // Per changed key, the peers announced since the last batch; null when the key's rows must be replaced whole.
    private Dictionary<NodeId, HashSet<IPEndPoint>?> _changed = [];

    public int KeyCount => _peers.Count;
    public int PeerCount => _peers.Values.Sum(p => p.Count);
    public IEnumerable<NodeId> Keys => _peers.Keys;

    /// <summary>Stores or refreshes a peer; false when the store is full of other keys.</summary>
    public bool Add(NodeId key, IPEndPoint peer)
    {
        var expires = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)lifetime.TotalMilliseconds;
        if (!Insert(key, peer, expires, out var evicted))
            return false;
        if (evicted)
            _changed[key] = null;
        else if (!_changed.TryGetValue(key, out var announced))
            _changed[key] = [peer];
        else
            announced?.Add(peer);
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
            _changed[stored.Key] = null;
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

    /// <summary>What changed since the last call, key by key, for one persistence batch.</summary>
    public List<StoredPeerChange> DrainChanges()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var changes = new List<StoredPeerChange>(_changed.Count);
        foreach (var (key, announced) in _changed)
        {
            var peers = _peers.GetValueOrDefault(key) ?? [];
            var live = peers.Where(p => p.Value > now && (announced is null || announced.Contains(p.Key)))
                .Select(p => new StoredPeer(key, p.Key, p.Value))
                .ToList();
            changes.Add(new StoredPeerChange(key, live, ReplacesKey: announced is null));
        }
        _changed = [];
        return changes;
    }
}
