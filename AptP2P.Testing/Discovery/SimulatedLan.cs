using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using AptP2P.Testing.Dht;
using Microsoft.Extensions.Logging.Abstractions;

namespace AptP2P.Testing.Discovery;

/// <summary>A node of a <see cref="SimulatedLan"/>: the production <see cref="LanDiscovery"/> on a simulated channel.</summary>
public sealed record SimulatedLanNode(NodeId Id, IPAddress Address, LanDiscovery Discovery, LanDirectory Directory, SimulatedLanSegment.Channel Channel)
{
    public bool Knows(SimulatedLanNode other) => Directory.Contains(new IPEndPoint(other.Address, SimulatedLan.NodePort));
}

/// <summary>
/// Many nodes' local discovery on one simulated segment and clock (single-threaded, time jumps from event to event): hundreds
/// of nodes over simulated hours in a fraction of a second, for tests and the <c>lan</c> benchmark.
/// </summary>
public sealed class SimulatedLan(int seed = 1) : IAsyncDisposable
{
    public const int NodePort = 9977;

    private readonly Random _random = new(seed);

    public SimulatedClock Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    public SimulatedLanSegment Segment => _segment ??= new SimulatedLanSegment(Clock);
    public List<SimulatedLanNode> Nodes { get; } = [];

    private SimulatedLanSegment? _segment;

    /// <summary>Starts a node at the next address (10.0.x.y) with <paramref name="options"/> (defaults when null).</summary>
    public SimulatedLanNode Add(DiscoveryOptions? options = null)
    {
        var index = Nodes.Count + 1;
        var address = new IPAddress([10, 0, (byte)(index >> 8), (byte)index]);
        var id = NodeId.Random(_random);
        var directory = new LanDirectory(Clock);
        var channel = Segment.Join(address);
        var discovery = new LanDiscovery(channel, directory, options ?? new DiscoveryOptions(), () => id, () => NodePort, Clock,
            NullLogger.Instance, _ => { }, new Random(_random.Next()));
        discovery.Start();
        var node = new SimulatedLanNode(id, address, discovery, directory, channel);
        Nodes.Add(node);
        return node;
    }

    /// <summary>Runs every event due within <paramref name="span"/> of simulated time.</summary>
    public void RunFor(TimeSpan span)
    {
        var until = Clock.GetUtcNow() + span;
        while (Clock.RunNext(until))
        {
        }
        Clock.AdvanceTo(until);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.Discovery.DisposeAsync();
    }
}
