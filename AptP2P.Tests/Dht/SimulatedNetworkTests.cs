using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Lookups;

namespace AptP2P.Tests.Dht;

/// <summary>Hundreds of production nodes on an in-memory network with latency, loss and dead nodes, on a fake clock.</summary>
public sealed class SimulatedNetworkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SimulatedDht CreateNetwork(int size, double loss, int seed)
    {
        var sim = new SimulatedDht(seed);
        // One-way delay per host from 5 to 35 ms, fixed by its address (no shared Random: lookups run on pool threads too).
        sim.Network.Latency = (from, to) => TimeSpan.FromMilliseconds(OneWay(from) + OneWay(to));
        static double OneWay(IPEndPoint host) => 5 + (uint)HashCode.Combine(host.Address.GetHashCode(), 17) % 3000 / 100.0;
        sim.Grow(size);
        sim.Network.LossRate = loss;
        return sim;
    }

    private static List<NodeId> TrueClosest(SimulatedDht sim, NodeId target, int k) =>
        sim.Alive.Select(n => n.Id).OrderBy(id => id.Xor(target)).Take(k).ToList();

    [Fact]
    public async Task Lookups_converge_on_the_true_closest_nodes()
    {
        await using var sim = CreateNetwork(500, loss: 0.02, seed: 11);
        foreach (var dead in sim.Nodes.OrderBy(_ => sim.Random.Next()).Take(50))
            sim.Network.SetDead(dead.LocalEndPoint, true);

        var overlaps = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var from = sim.Alive.ElementAt(sim.Random.Next(400));
            var target = NodeId.Random(sim.Random);
            var result = sim.Await(from.LookupAsync(LookupKind.FindNode, target, cancellationToken: Ct));
            var expected = TrueClosest(sim, target, 8);
            overlaps.Add(result.Closest.Count(r => expected.Contains(r.Contact.Id)));
        }
        // Loss and dead nodes may hide one of the eight now and then; on average a lookup must find nearly all of them.
        Assert.True(overlaps.Average() >= 7.5, $"Overlap with the true 8 closest: {string.Join(", ", overlaps)}");
        Assert.True(overlaps.Min() >= 6, $"Overlap with the true 8 closest: {string.Join(", ", overlaps)}");
    }

    [Fact]
    public async Task An_announce_is_found_by_every_other_node()
    {
        await using var sim = CreateNetwork(500, loss: 0.01, seed: 12);
        var key = new InfoHash(NodeId.Random(sim.Random));
        var announcer = sim.Nodes[123];
        var stored = sim.Await(announcer.AnnounceAsync(key, 9977, Ct));
        Assert.True(stored >= 6, $"Only {stored} nodes stored the announce");

        var searches = sim.Alive.Where(n => n != announcer)
            .Select(n => (Node: n, Peers: CollectAsync(n.FindPeersAsync(key, Ct))))
            .ToList();
        sim.Run(() => searches.All(s => s.Peers.IsCompleted), TimeSpan.FromMinutes(2));
        var missing = searches.Where(s => !s.Peers.Result.Contains(new IPEndPoint(announcer.LocalEndPoint.Address, 9977))).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task A_mutable_item_survives_churn()
    {
        await using var sim = CreateNetwork(500, loss: 0.02, seed: 13);
        var file = Engine.ContentHash.Compute("churn"u8);
        var value = new BencodeDict().Add("l", new BencodeInteger(262144)).ToArray();
        var item = PieceListItem.Create(file, value);
        var stored = sim.Await(sim.Nodes[7].PutMutableAsync(item, Ct));
        Assert.True(stored >= 6, $"Only {stored} nodes stored the item");

        // A third of the network leaves at once and newcomers join.
        foreach (var leaving in sim.Nodes.Skip(1).OrderBy(_ => sim.Random.Next()).Take(170))
            sim.Network.SetDead(leaving.LocalEndPoint, true);
        sim.Grow(100);

        var reader = sim.Nodes[^1];
        var found = sim.Await(reader.GetMutableAsync(item.Key, [], firstValid: false, Ct));
        Assert.NotNull(found);
        Assert.Equal(value, found.Value);
        Assert.Equal(1, found.Seq);
        Assert.True(PieceListItem.IsAcceptable(file, found));
    }

    private static async Task<List<IPEndPoint>> CollectAsync(IAsyncEnumerable<IPEndPoint> peers)
    {
        var list = new List<IPEndPoint>();
        await foreach (var peer in peers)
            list.Add(peer);
        return list;
    }
}
