using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Testing.Dht;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Dht;

/// <summary>
/// A network of DHT nodes in the test process: a <see cref="SimulatedNetwork"/> on a <see cref="FakeTimeProvider"/>, advanced
/// in millisecond steps. Every node runs the production <see cref="DhtNode"/>; only the wire and the clock are simulated.
/// </summary>
internal sealed class SimulatedDht : IAsyncDisposable
{
    private readonly Random _random;
    private readonly SimulationContext _context = new();
    private readonly SynchronizationContext? _previous = SynchronizationContext.Current;

    public SimulatedDht(int seed = 7, Func<DhtOptions>? options = null)
    {
        _random = new Random(seed);
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        Network = new SimulatedNetwork(Time, seed);
        Options = options ?? (() => new DhtOptions { BootstrapNodes = [] });
        SynchronizationContext.SetSynchronizationContext(_context);
    }

    public FakeTimeProvider Time { get; }
    public SimulatedNetwork Network { get; }
    public Func<DhtOptions> Options { get; }
    public List<DhtNode> Nodes { get; } = [];
    public Random Random => _random;

    public IEnumerable<DhtNode> Alive => Nodes.Where(n => !Network.IsDead(n.LocalEndPoint));

    public DhtNode AddNode(IPAddress? address = null, int port = 6881)
    {
        address ??= new IPAddress([10, (byte)(Nodes.Count >> 16), (byte)(Nodes.Count >> 8), (byte)Nodes.Count]);
        var transport = Network.CreateTransport(new IPEndPoint(address, port));
        var node = new DhtNode(transport, Options(), Time, NullLogger.Instance, NodeId.Random(_random), new Random(_random.Next()));
        node.Start();
        Nodes.Add(node);
        return node;
    }

    /// <summary>Adds <paramref name="count"/> nodes in waves, each bootstrapping from a random node already in.</summary>
    public void Grow(int count, int wave = 50)
    {
        if (Nodes.Count == 0)
            AddNode();
        while (count > 0)
        {
            var joined = Alive.ToList();
            var batch = Math.Min(wave, count);
            var tasks = new List<Task<bool>>();
            for (var i = 0; i < batch; i++)
            {
                var seed = joined[_random.Next(joined.Count)];
                var node = AddNode();
                tasks.Add(node.BootstrapAsync([seed.LocalEndPoint]));
            }
            Run(() => tasks.All(t => t.IsCompleted), TimeSpan.FromMinutes(2));
            count -= batch;
        }
    }

    /// <summary>Advances the clock a millisecond at a time until <paramref name="done"/> holds; fails past <paramref name="limit"/> of simulated time.</summary>
    public TimeSpan Run(Func<bool> done, TimeSpan limit)
    {
        var start = Time.GetUtcNow();
        _context.Drain();
        while (!done())
        {
            if (Time.GetUtcNow() - start > limit)
                throw new TimeoutException($"The simulated network did not get there within {limit} of simulated time.");
            Step();
        }
        return Time.GetUtcNow() - start;
    }

    public T Await<T>(Task<T> task, TimeSpan? limit = null)
    {
        Run(() => task.IsCompleted, limit ?? TimeSpan.FromMinutes(1));
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Advances simulated time by <paramref name="span"/>.</summary>
    public void Wait(TimeSpan span)
    {
        var end = Time.GetUtcNow() + span;
        while (Time.GetUtcNow() < end)
            Step();
    }

    private void Step()
    {
        Time.Advance(TimeSpan.FromMilliseconds(1));
        while (_context.Drain())
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
        Network.Dispose();
        _context.Drain();
        SynchronizationContext.SetSynchronizationContext(_previous);
    }
}
