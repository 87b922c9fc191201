using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using AptP2P.Testing.Discovery;

namespace AptP2P.Tests.Discovery;

/// <summary>The production discovery logic on a simulated segment and clock: joining, steady state, caps under floods, expiry.</summary>
public sealed class LanDiscoveryTests
{
    [Fact]
    public async Task A_node_that_joins_knows_every_node_within_a_second_and_they_know_it()
    {
        await using var lan = new SimulatedLan();
        for (var i = 0; i < 20; i++)
            lan.Add();
        lan.RunFor(TimeSpan.FromMinutes(10));

        var newcomer = lan.Add();
        lan.RunFor(TimeSpan.FromSeconds(1));

        Assert.All(lan.Nodes.Where(n => n != newcomer), n => Assert.True(newcomer.Knows(n) && n.Knows(newcomer)));
        Assert.Equal(20, newcomer.Directory.Count);
    }

    [Fact]
    public async Task In_the_steady_state_a_node_sends_about_one_hello_per_five_minutes_whatever_the_lan_size()
    {
        await using var lan = new SimulatedLan();
        for (var i = 0; i < 100; i++)
            lan.Add();
        lan.RunFor(TimeSpan.FromMinutes(10));
        var sentBefore = lan.Nodes.Sum(n => n.Channel.GroupSends + n.Channel.DirectSends);
        var receivedBefore = lan.Nodes.Sum(n => n.Channel.Received);

        lan.RunFor(TimeSpan.FromMinutes(60));

        var sentPerNodeMinute = (lan.Nodes.Sum(n => n.Channel.GroupSends + n.Channel.DirectSends) - sentBefore) / 100.0 / 60;
        var receivedPerNodeMinute = (lan.Nodes.Sum(n => n.Channel.Received) - receivedBefore) / 100.0 / 60;
        Assert.InRange(sentPerNodeMinute, 0.15, 0.27);
        Assert.InRange(receivedPerNodeMinute, 100 * 0.15, 100 * 0.27);
        Assert.All(lan.Nodes, n => Assert.Equal(99, n.Directory.Count));
    }

    [Fact]
    public async Task A_flood_from_one_address_costs_a_counter_and_teaches_nothing()
    {
        await using var lan = new SimulatedLan();
        var node = lan.Add();
        var random = new Random(5);
        var attacker = new IPEndPoint(IPAddress.Parse("10.0.9.9"), 6771);
        for (var i = 0; i < 100_000; i++)
        {
            var hello = new LanHello(NodeId.Random(random), 1 + random.Next(65535), 0, IsReply: false, Joining: true).Encode(null);
            lan.Segment.Inject(random.Next(3) == 0 ? RandomBytes(random) : hello, attacker);
        }
        lan.RunFor(TimeSpan.FromSeconds(1));

        var counters = node.Discovery.Counters;
        Assert.Equal(100_000 + counters.Own, counters.Received);
        Assert.True(counters.Flooded >= 99_980, $"{counters}");
        Assert.True(node.Directory.Count <= 10, $"{node.Directory.Count} peers taken from one address");
        Assert.True(counters.Replies <= 10, $"{counters}");
    }

    [Fact]
    public async Task Spoofed_joining_hellos_from_many_addresses_get_a_bounded_number_of_replies_and_peers()
    {
        await using var lan = new SimulatedLan();
        var node = lan.Add(new DiscoveryOptions { MaxPeers = 500 });
        var random = new Random(6);
        for (var minute = 0; minute < 3; minute++)
        {
            for (var i = 0; i < 5_000; i++)
            {
                var source = new IPEndPoint(new IPAddress([10, 1, (byte)random.Next(256), (byte)random.Next(256)]), 6771);
                lan.Segment.Inject(new LanHello(NodeId.Random(random), 9977, 0, IsReply: false, Joining: true).Encode(null), source);
            }
            lan.RunFor(TimeSpan.FromMinutes(1));
        }

        var counters = node.Discovery.Counters;
        // Three minutes: at most the burst (1,200) and one minute's allowance per minute after it.
        Assert.True(counters.Accepted <= LanDiscovery.MaxAcceptedPerMinute * 3 + 1, $"{counters}");
        Assert.True(counters.Replies <= (LanDiscovery.MaxRepliesPerMinute * 3) + (LanDiscovery.MaxRepliesPerMinute / 4) + 1, $"{counters}");
        Assert.True(node.Directory.Count <= 500);
    }

    [Fact]
    public async Task Malformed_other_version_and_other_swarm_datagrams_are_counted_apart()
    {
        await using var lan = new SimulatedLan();
        var node = lan.Add();
        var stranger = new LanHello(NodeId.Random(), 9977, lan.Clock.GetUtcNow().ToUnixTimeSeconds(), false, false);
        var newer = stranger.Encode(null);
        newer[4] = 2;
        lan.Segment.Inject([1, 2, 3], new IPEndPoint(IPAddress.Parse("10.0.8.1"), 1));
        lan.Segment.Inject(newer, new IPEndPoint(IPAddress.Parse("10.0.8.2"), 1));
        lan.Segment.Inject(stranger.Encode(SwarmKey.From("theirs")), new IPEndPoint(IPAddress.Parse("10.0.8.3"), 1));
        lan.RunFor(TimeSpan.FromSeconds(1));

        var counters = node.Discovery.Counters;
        Assert.Equal((1, 1, 1, 0), (counters.Malformed, counters.UnknownVersion, counters.OtherSwarm, counters.Accepted));
        Assert.Equal(0, node.Directory.Count);
    }

    [Fact]
    public async Task Nodes_with_a_swarm_key_know_only_each_other()
    {
        await using var lan = new SimulatedLan();
        var keyed = new DiscoveryOptions { SwarmKey = "ours" };
        var a = lan.Add(keyed);
        var b = lan.Add(keyed);
        var open = lan.Add();
        var other = lan.Add(new DiscoveryOptions { SwarmKey = "theirs" });
        lan.RunFor(TimeSpan.FromSeconds(5));

        Assert.True(a.Knows(b) && b.Knows(a));
        Assert.Equal(1, a.Directory.Count);
        Assert.Equal(0, open.Directory.Count);
        Assert.Equal(0, other.Directory.Count);
        Assert.True(open.Discovery.Counters.OtherSwarm > 0);
    }

    [Fact]
    public async Task A_node_that_falls_silent_is_forgotten_after_the_expiry()
    {
        await using var lan = new SimulatedLan();
        var a = lan.Add();
        var b = lan.Add();
        lan.RunFor(TimeSpan.FromSeconds(5));
        Assert.True(a.Knows(b));

        await b.Discovery.DisposeAsync();
        lan.RunFor(TimeSpan.FromMinutes(14));
        Assert.True(a.Knows(b));
        lan.RunFor(TimeSpan.FromMinutes(2));
        Assert.False(a.Knows(b));
    }

    [Fact]
    public void The_directory_keeps_a_node_at_its_ipv4_endpoint_replaces_a_restarted_one_and_stays_bounded()
    {
        var directory = new LanDirectory(TimeProvider.System);
        var id = NodeId.Random();
        var v4 = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 9977);
        Assert.True(directory.Heard(id, v4, 10));
        Assert.False(directory.Heard(id, new IPEndPoint(IPAddress.Parse("fd00::1"), 9977), 10));
        Assert.Equal(v4, Assert.Single(directory.Snapshot()).EndPoint);

        var restarted = NodeId.Random();
        Assert.True(directory.Heard(restarted, v4, 10));
        Assert.Equal(restarted, Assert.Single(directory.Snapshot()).Id);

        for (var i = 0; i < 50; i++)
            directory.Heard(NodeId.Random(), new IPEndPoint(IPAddress.Parse($"10.0.1.{i}"), 9977), 10);
        Assert.Equal(10, directory.Count);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 100)];
        random.NextBytes(bytes);
        return bytes;
    }
}
