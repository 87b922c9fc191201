using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// The nodes heard on the local network, bounded in number and in age: what makes an endpoint a "LAN peer". Thread-safe;
/// lookups copy under one short lock.
/// </summary>
public sealed class LanDirectory(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<NodeId, LanPeer> _byId = [];
    private readonly Dictionary<IPEndPoint, NodeId> _byEndPoint = [];

    public int Count
    {
        get
        {
            lock (_gate)
                return _byId.Count;
        }
    }

    /// <summary>Records a hello; true when the node is new or now at another endpoint (it is then worth a DHT contact).</summary>
    public bool Heard(NodeId id, IPEndPoint endPoint, int maxPeers)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            // One endpoint is one node: a restarted node with a fresh id replaces its old self.
            if (_byEndPoint.TryGetValue(endPoint, out var previous) && previous != id)
                _byId.Remove(previous);
            var known = _byId.TryGetValue(id, out var peer);
            // A node is heard over IPv4 and IPv6 alike: it keeps its IPv4 endpoint, which its DHT socket and HTTP listener have.
            if (known && peer!.EndPoint.AddressFamily == AddressFamily.InterNetwork && endPoint.AddressFamily != AddressFamily.InterNetwork)
            {
                _byId[id] = peer with { LastHeard = now };
                return false;
            }
            if (known && !peer!.EndPoint.Equals(endPoint))
                _byEndPoint.Remove(peer.EndPoint);
            if (!known && _byId.Count >= maxPeers)
                Forget(_byId.Values.MinBy(p => p.LastHeard)!);
            _byId[id] = known ? peer! with { EndPoint = endPoint, LastHeard = now } : new LanPeer(id, endPoint, now, now);
            _byEndPoint[endPoint] = id;
            return !known || !peer!.EndPoint.Equals(endPoint);
        }
    }

    /// <summary>Forgets the peers not heard within <paramref name="expiry"/>; returns how many.</summary>
    public int Expire(TimeSpan expiry)
    {
        var cutoff = time.GetUtcNow() - expiry;
        lock (_gate)
        {
            var stale = _byId.Values.Where(p => p.LastHeard < cutoff).ToList();
            foreach (var peer in stale)
                Forget(peer);
            return stale.Count;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _byId.Clear();
            _byEndPoint.Clear();
        }
    }

    public bool Contains(IPEndPoint endPoint)
    {
        lock (_gate)
            return _byEndPoint.ContainsKey(Normalise(endPoint));
    }

    /// <summary>
    /// Whether bytes from <paramref name="peer"/> count as the LAN's: heard by local discovery, or at a LAN address (a node
    /// configured by hand on the same network).
    /// </summary>
    public bool IsOnLan(IPEndPoint peer) => Contains(peer) || AddressScope.IsLan(peer.Address);

    /// <summary>True when a LAN peer has this address (any port): an HTTP client at it is a node of our LAN.</summary>
    public bool ContainsAddress(IPAddress address)
    {
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        lock (_gate)
            return _byEndPoint.Keys.Any(e => e.Address.Equals(address));
    }

    public IReadOnlyList<LanPeer> Snapshot()
    {
        lock (_gate)
            return [.. _byId.Values.OrderBy(p => p.FirstHeard)];
    }

    /// <summary>The <paramref name="count"/> peers whose ids are closest to <paramref name="target"/> (XOR), nearest first.</summary>
    public IReadOnlyList<LanPeer> Closest(NodeId target, int count)
    {
        lock (_gate)
            return [.. _byId.Values.OrderBy(p => p.Id.Xor(target)).Take(count)];
    }

    private void Forget(LanPeer peer)
    {
        _byId.Remove(peer.Id);
        _byEndPoint.Remove(peer.EndPoint);
    }

    private static IPEndPoint Normalise(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
