using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Routing;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Dht;

public sealed class RoutingTableTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
    private readonly Random _random = new(42);

    private static NodeContact Contact(NodeId id, int n) => new(id, new IPEndPoint(new IPAddress([10, 1, (byte)(n >> 8), (byte)n]), 6881));

    private RoutingTable Filled(bool extended, int count, out NodeId self)
    {
        self = NodeId.Random(_random);
        var table = new RoutingTable(self, new RoutingTableSettings(8, ExtendedBuckets: extended), _time);
        for (var i = 0; i < count; i++)
            table.Observe(Contact(NodeId.Random(_random), i), responded: true, TimeSpan.FromMilliseconds(50), out _);
        return table;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_node_sits_in_the_bucket_for_its_shared_prefix_and_no_bucket_overflows(bool extended)
    {
        var table = Filled(extended, 5000, out var self);
        for (var i = 0; i < table.Buckets.Count; i++)
        {
            var bucket = table.Buckets[i];
            Assert.Equal(i, bucket.Depth);
            Assert.True(bucket.Nodes.Count <= bucket.Capacity);
            Assert.True(bucket.Replacements.Count <= bucket.Capacity);
            var isLast = i == table.Buckets.Count - 1;
            foreach (var node in bucket.Nodes)
            {
                var prefix = self.CommonPrefixLength(node.Id);
                Assert.True(isLast ? prefix >= i : prefix == i, $"node with prefix {prefix} in bucket {i}");
            }
        }
        Assert.Equal(table.Count, table.Nodes.Select(n => n.Id).Distinct().Count());
        // Far buckets are full: there are far more candidates than room.
        Assert.Equal(table.Buckets[0].Capacity, table.Buckets[0].Nodes.Count);
        Assert.Equal(extended ? 128 : 8, table.Buckets[0].Capacity);
    }

    [Fact]
    public void Only_nodes_that_answered_enter_the_table_and_our_own_id_never_does()
    {
        var self = NodeId.Random(_random);
        var table = new RoutingTable(self, new RoutingTableSettings(), _time);
        Assert.Null(table.Observe(Contact(NodeId.Random(_random), 1), responded: false, null, out _));
        Assert.Null(table.Observe(Contact(self, 2), responded: true, null, out _));
        Assert.Equal(0, table.Count);
        Assert.NotNull(table.Observe(Contact(NodeId.Random(_random), 3), responded: true, null, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void A_known_id_from_another_address_does_not_move_the_entry()
    {
        var table = new RoutingTable(NodeId.Random(_random), new RoutingTableSettings(), _time);
        var id = NodeId.Random(_random);
        table.Observe(Contact(id, 1), true, null, out _);
        Assert.Null(table.Observe(Contact(id, 2), true, null, out _));
        Assert.Equal(Contact(id, 1).EndPoint, table.Find(id)!.EndPoint);
    }

    [Fact]
    public void Closest_returns_live_nodes_ordered_by_xor_distance()
    {
        var table = Filled(true, 2000, out _);
        var target = NodeId.Random(_random);
        var closest = table.Closest(target, 16);
        Assert.Equal(16, closest.Count);
        for (var i = 1; i < closest.Count; i++)
            Assert.True(closest[i - 1].Id.CompareDistance(closest[i].Id, target) < 0);
        var best = table.Nodes.MinBy(n => n.Id.Xor(target))!;
        Assert.Equal(best.Id, closest[0].Id);
    }

    [Fact]
    public void A_node_that_keeps_failing_goes_bad_and_gives_way_to_a_replacement()
    {
        var table = Filled(false, 3000, out _);
        var far = table.Buckets[0];
        Assert.NotEmpty(far.Replacements);
        var victim = far.Nodes[0];
        for (var i = 0; i < table.Settings.MaxFailures; i++)
            table.Failed(victim.Id);
        Assert.DoesNotContain(victim, far.Nodes);
        Assert.Equal(far.Capacity, far.Nodes.Count);
        Assert.DoesNotContain(table.Closest(victim.Id, 8), c => c.Id == victim.Id);
    }

    [Fact]
    public void A_full_bucket_offers_its_stalest_questionable_node_for_a_ping()
    {
        var table = Filled(false, 3000, out _);
        _time.Advance(TimeSpan.FromMinutes(16));
        var far = table.Buckets[0];
        var freshFar = NodeId.Random(_random);
        while (table.BucketFor(freshFar) != far)
            freshFar = NodeId.Random(_random);
        table.Observe(Contact(freshFar, 9999), responded: true, null, out var ping);
        Assert.NotNull(ping);
        Assert.Contains(ping, far.Nodes);
        Assert.True(ping.IsQuestionable(_time.GetUtcNow(), table.Settings.GoodWindow, table.Settings.MaxFailures));
    }

    [Fact]
    public void Good_questionable_and_bad_follow_the_fifteen_minute_rule()
    {
        var node = new RoutingNode(Contact(NodeId.Random(_random), 1)) { LastResponse = _time.GetUtcNow() };
        var window = TimeSpan.FromMinutes(15);
        Assert.True(node.IsGood(_time.GetUtcNow(), window));
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.True(node.IsQuestionable(_time.GetUtcNow(), window, 3));
        node.LastQuery = _time.GetUtcNow();
        Assert.True(node.IsGood(_time.GetUtcNow(), window));
        node.FailedQueries = 3;
        Assert.True(node.IsBad(3));
        Assert.False(node.IsQuestionable(_time.GetUtcNow(), window, 3));
    }

    [Fact]
    public void Stale_buckets_are_offered_for_refresh_with_a_target_inside_them()
    {
        var table = Filled(true, 500, out var self);
        Assert.Empty(table.StaleBuckets(TimeSpan.FromMinutes(15)));
        _time.Advance(TimeSpan.FromMinutes(15));
        var stale = table.StaleBuckets(TimeSpan.FromMinutes(15)).ToList();
        Assert.Equal(table.Buckets.Count, stale.Count);
        foreach (var bucket in stale)
            Assert.Same(bucket, table.BucketFor(table.RandomIdIn(bucket, _random)));
    }

    [Fact]
    public void Rebuilding_under_a_new_id_keeps_the_nodes()
    {
        var table = Filled(true, 300, out _);
        var rebuilt = table.Rebuild(NodeId.Random(_random));
        // Buckets are laid out around our id, so a few nodes may only find room in a replacement list.
        var kept = rebuilt.Count + rebuilt.Buckets.Sum(b => b.Replacements.Count);
        Assert.True(kept >= table.Count * 9 / 10, $"{kept} of {table.Count}");
        Assert.True(rebuilt.Count >= table.Count * 3 / 4, $"{rebuilt.Count} of {table.Count}");
    }
}
