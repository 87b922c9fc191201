using System.Net;
using AptP2P.Engine.Dht.Transport;

namespace AptP2P.Testing.Dht;

/// <summary>
/// An in-memory datagram network for tests and the benchmark: per-link latency, random loss and dead nodes, driven by any
/// <see cref="TimeProvider"/> (a fake clock makes a whole network of nodes run deterministically in one thread). One timer
/// serves every delivery, so thousands of nodes cost no more timers than one.
/// </summary>
public sealed class SimulatedNetwork : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Dictionary<IPEndPoint, SimulatedTransport> _hosts = [];
    private readonly HashSet<IPEndPoint> _dead = [];
    private readonly PriorityQueue<Delivery, (long Due, long Sequence)> _queue = new();
    private readonly ITimer _timer;
    private long _sequence;
    private long _armedFor = long.MaxValue;

    public SimulatedNetwork(TimeProvider time, int seed = 1)
    {
        _time = time;
        _random = new Random(seed);
        _timer = time.CreateTimer(_ => DeliverDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>One-way delay from the first endpoint to the second. At least one millisecond is always added.</summary>
    public Func<IPEndPoint, IPEndPoint, TimeSpan> Latency { get; set; } = (_, _) => TimeSpan.FromMilliseconds(10);

    /// <summary>Probability that a datagram is lost.</summary>
    public double LossRate { get; set; }

    public long Sent { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }

    public SimulatedTransport CreateTransport(IPEndPoint address)
    {
        lock (_gate)
        {
            var transport = new SimulatedTransport(this, address);
            _hosts.Add(address, transport);
            return transport;
        }
    }

    /// <summary>A dead host neither receives nor sends; its peers just see silence.</summary>
    public void SetDead(IPEndPoint address, bool dead)
    {
        lock (_gate)
        {
            if (dead)
                _dead.Add(address);
            else
                _dead.Remove(address);
        }
    }

    public bool IsDead(IPEndPoint address)
    {
        lock (_gate)
            return _dead.Contains(address);
    }

    /// <summary>Counts datagrams sent by one host (for packets-per-lookup figures).</summary>
    public long SentBy(IPEndPoint address)
    {
        lock (_gate)
            return _hosts.TryGetValue(address, out var host) ? host.SentCount : 0;
    }

    internal void Send(SimulatedTransport from, ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        lock (_gate)
        {
            Sent++;
            from.SentCount++;
            if (_dead.Contains(from.LocalEndPoint) || _dead.Contains(destination) || !_hosts.ContainsKey(destination)
                || (LossRate > 0 && _random.NextDouble() < LossRate))
            {
                Dropped++;
                return;
            }
            var delay = Latency(from.LocalEndPoint, destination) + TimeSpan.FromMilliseconds(1);
            var due = _time.GetUtcNow().UtcTicks + delay.Ticks;
            _queue.Enqueue(new Delivery(destination, from.LocalEndPoint, datagram.ToArray()), (due, _sequence++));
            Arm(due);
        }
    }

    private void Arm(long due)
    {
        if (due >= _armedFor)
            return;
        _armedFor = due;
        var wait = TimeSpan.FromTicks(Math.Max(due - _time.GetUtcNow().UtcTicks, TimeSpan.TicksPerMillisecond));
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    private void DeliverDue()
    {
        List<Delivery> due = [];
        lock (_gate)
        {
            _armedFor = long.MaxValue;
            var now = _time.GetUtcNow().UtcTicks;
            while (_queue.TryPeek(out _, out var key) && key.Due <= now)
                due.Add(_queue.Dequeue());
            if (_queue.TryPeek(out _, out var next))
                Arm(next.Due);
        }
        foreach (var delivery in due)
        {
            SimulatedTransport? host;
            lock (_gate)
            {
                if (_dead.Contains(delivery.To) || !_hosts.TryGetValue(delivery.To, out host) || host.Handler is null)
                {
                    Dropped++;
                    continue;
                }
                Delivered++;
            }
            host.Handler(delivery.Data, delivery.From);
        }
    }

    public void Dispose() => _timer.Dispose();

    private sealed record Delivery(IPEndPoint To, IPEndPoint From, byte[] Data);
}

/// <summary>One host's socket on a <see cref="SimulatedNetwork"/>.</summary>
public sealed class SimulatedTransport : IDhtTransport
{
    private readonly SimulatedNetwork _network;

    internal SimulatedTransport(SimulatedNetwork network, IPEndPoint address)
    {
        _network = network;
        LocalEndPoint = address;
    }

    public IPEndPoint LocalEndPoint { get; }
    internal DatagramHandler? Handler { get; private set; }
    internal long SentCount { get; set; }

    public void Start(DatagramHandler handler) => Handler = handler;

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => _network.Send(this, datagram, destination);

    public ValueTask DisposeAsync()
    {
        Handler = null;
        return ValueTask.CompletedTask;
    }
}
