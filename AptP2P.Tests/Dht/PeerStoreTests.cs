using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Storage;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Dht;

/// <summary>What the peer store hands to persistence: never more than it holds, whatever the number of announces.</summary>
public sealed class PeerStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Announces_that_evict_nothing_hand_over_only_the_announced_peers()
    {
        var store = new PeerStore(_time, maxKeys: 10, maxPeersPerKey: 10, TimeSpan.FromMinutes(30));
        var key = NodeId.Random();
        store.Add(key, new IPEndPoint(IPAddress.Loopback, 1));
        store.DrainChanges();
        store.Add(key, new IPEndPoint(IPAddress.Loopback, 2));

        var change = Assert.Single(store.DrainChanges());
        Assert.False(change.ReplacesKey);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 2)], change.Peers.Select(p => p.Peer));
    }

    [Fact]
    public void A_flood_to_one_key_hands_over_that_key_once_with_no_more_than_its_bound()
    {
        var store = new PeerStore(_time, maxKeys: 10, maxPeersPerKey: 10, TimeSpan.FromMinutes(30));
        var key = NodeId.Random();
        for (var port = 1; port <= 10_000; port++)
            store.Add(key, new IPEndPoint(IPAddress.Loopback, port));

        var change = Assert.Single(store.DrainChanges());
        Assert.True(change.ReplacesKey);
        Assert.Equal(10, change.Peers.Count);
        Assert.Empty(store.DrainChanges());
    }

    [Fact]
    public void Saved_peers_beyond_the_bounds_make_their_keys_replaced_at_the_first_batch()
    {
        var store = new PeerStore(_time, maxKeys: 1, maxPeersPerKey: 2, TimeSpan.FromMinutes(30));
        var expires = _time.GetUtcNow().AddMinutes(10).ToUnixTimeMilliseconds();
        var kept = NodeId.Random();
        var refused = NodeId.Random();
        for (var port = 1; port <= 3; port++)
            store.Load(new StoredPeer(kept, new IPEndPoint(IPAddress.Loopback, port), expires + port));
        store.Load(new StoredPeer(refused, new IPEndPoint(IPAddress.Loopback, 9), expires));

        var changes = store.DrainChanges().ToDictionary(c => c.Key);
        Assert.True(changes[kept].ReplacesKey);
        Assert.Equal(2, changes[kept].Peers.Count);
        Assert.True(changes[refused].ReplacesKey);
        Assert.Empty(changes[refused].Peers);
    }
}
