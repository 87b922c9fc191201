using System.Globalization;
using System.Net;
using AptP2P.Bench.Dht;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Testing.Dht;
using Microsoft.Extensions.Logging.Abstractions;

// The DHT benchmark of issue 3: 2,000 production nodes on a simulated network, round-trip times around a 50 ms median,
// 10% of the nodes dead, lookups for announced keys timed from start to first peer and to completion (simulated time).
// Issue 12 adds the families: ipv4 (BEP 5), ipv6 (BEP 32: every host an IPv6 node) and dual (every host an IPv4 and an
// IPv6 node as siblings, as DhtService runs them: announces on both, lookups on both at once, the first peer of either).
// Usage: dotnet run -c Release --project AptP2P.Bench.Dht [-- ipv4|ipv6|dual] [nodes lookups seed]
var mode = args.Length > 0 && args[0] is "ipv4" or "ipv6" or "dual" ? args[0] : "ipv4";
if (args.Length > 0 && args[0] == mode)
    args = args[1..];
var nodes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var lookups = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
Console.WriteLine($"mode {mode}: {nodes} hosts, {lookups} lookups, seed {seed}");

var random = new Random(seed);
var context = new BenchContext();
SynchronizationContext.SetSynchronizationContext(context);
var clock = new SimulatedClock(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
using var network = new SimulatedNetwork(clock, seed);

// One-way delay per host, log-normal: a link's RTT is twice the sum of its two hosts' delays, so the median RTT is ~50 ms.
// A dual-stack host's two addresses share its delay (one machine, one access link).
var oneWay = new Dictionary<int, double>();
var hostOf = new Dictionary<IPEndPoint, int>();
double Delay(IPEndPoint endPoint)
{
    var host = hostOf[endPoint];
    if (!oneWay.TryGetValue(host, out var ms))
        oneWay[host] = ms = 12.5 * Math.Exp(0.5 * Gaussian(random));
    return ms;
}
network.Latency = (from, to) => TimeSpan.FromMilliseconds(Delay(from) + Delay(to));

// One host: its node (ipv4, ipv6) or its two sibling nodes (dual); Primary is the one joined, measured and killed by.
var all = new List<Host>();
DhtNode NewNode(IPEndPoint endPoint, int host)
{
    hostOf[endPoint] = host;
    return new DhtNode(network.CreateTransport(endPoint), new DhtOptions(), clock, NullLogger.Instance, NodeId.Random(random), new Random(random.Next()));
}
Host Add()
{
    var index = all.Count;
    var v4 = new IPEndPoint(new IPAddress([10, (byte)(index >> 16), (byte)(index >> 8), (byte)index]), 6881);
    var v6 = new IPEndPoint(IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd42::{index >> 16:x}:{index & 0xffff:x}")), 6881);
    var nodesOfHost = mode switch
    {
        "ipv4" => [NewNode(v4, index)],
        "ipv6" => [NewNode(v6, index)],
        _ => new[] { NewNode(v4, index), NewNode(v6, index) },
    };
    if (nodesOfHost.Length == 2)
        (nodesOfHost[0].Sibling, nodesOfHost[1].Sibling) = (nodesOfHost[1], nodesOfHost[0]);
    foreach (var node in nodesOfHost)
        node.Start();
    var added = new Host(nodesOfHost);
    all.Add(added);
    return added;
}

void RunUntil(Func<bool> done, TimeSpan limit)
{
    var end = clock.GetUtcNow() + limit;
    context.Drain();
    while (!done())
    {
        if (!clock.RunNext(end))
            throw new TimeoutException("The simulation ran out of events or time.");
        context.Drain();
    }
}

void RunFor(TimeSpan span)
{
    var end = clock.GetUtcNow() + span;
    context.Drain();
    while (clock.RunNext(end))
        context.Drain();
    clock.AdvanceTo(end);
}

var wall = System.Diagnostics.Stopwatch.StartNew();
Add();
while (all.Count < nodes)
{
    var joined = all.ToList();
    var wave = Enumerable.Range(0, Math.Min(100, nodes - all.Count))
        .Select(_ => Add().BootstrapAsync(joined[random.Next(joined.Count)]))
        .ToList();
    RunUntil(() => wave.All(t => t.IsCompleted), TimeSpan.FromMinutes(5));
}
// Let the network settle a little: refreshes and pings, as a long-running network would have done.
RunFor(TimeSpan.FromMinutes(2));
var alive = all.OrderBy(_ => random.Next()).Skip(nodes / 10).ToList();
foreach (var dead in all.Except(alive).SelectMany(h => h.Nodes))
    network.SetDead(dead.LocalEndPoint, true);
Console.WriteLine($"{nodes} nodes joined in {wall.Elapsed.TotalSeconds:F1} s of wall time; {nodes - alive.Count} now dead");

var firstPeer = new List<double>();
var completion = new List<double>();
var packets = new List<long>();
var queries = new List<long>();
var found = 0;
for (var i = 0; i < lookups; i++)
{
    var key = new InfoHash(NodeId.Random(random));
    var announcer = alive[random.Next(alive.Count)];
    var announce = Task.WhenAll(announcer.Nodes.Select(n => n.AnnounceAsync(key, 9977)));
    RunUntil(() => announce.IsCompleted, TimeSpan.FromMinutes(1));
    RunFor(TimeSpan.FromSeconds(1));

    var searcher = alive[random.Next(alive.Count)];
    var sentBefore = searcher.Nodes.Sum(n => network.SentBy(n.LocalEndPoint));
    var queriesBefore = searcher.Nodes.Sum(n => n.GetStatistics().QueriesOut);
    var started = clock.GetTimestamp();
    double? first = null;
    var lookup = Task.WhenAll(searcher.Nodes.Select(n => Consume(n.FindPeersAsync(key), () => first ??= clock.GetElapsedTime(started).TotalMilliseconds)));
    RunUntil(() => lookup.IsCompleted, TimeSpan.FromMinutes(1));
    completion.Add(clock.GetElapsedTime(started).TotalMilliseconds);
    packets.Add(searcher.Nodes.Sum(n => network.SentBy(n.LocalEndPoint)) - sentBefore);
    queries.Add(searcher.Nodes.Sum(n => n.GetStatistics().QueriesOut) - queriesBefore);
    if (first is { } ms)
    {
        firstPeer.Add(ms);
        found++;
    }
    // Let the slow answers of this lookup drain before the next one is measured.
    RunFor(TimeSpan.FromSeconds(3));
}

var rtt = alive.SelectMany(h => h.Nodes).Select(n => n.GetStatistics().Rtt.MedianMs).Where(m => m > 0).ToList();
Console.WriteLine($"median measured RTT (median over nodes): {Percentile(rtt, 0.5):F0} ms");
Console.WriteLine($"lookups: {lookups}, found the announced peer: {found} ({100.0 * found / lookups:F1}%)");
Console.WriteLine($"time to first peer:        median {Percentile(firstPeer, 0.5):F0} ms, p90 {Percentile(firstPeer, 0.9):F0} ms, p99 {Percentile(firstPeer, 0.99):F0} ms");
Console.WriteLine($"time to lookup completion: median {Percentile(completion, 0.5):F0} ms, p90 {Percentile(completion, 0.9):F0} ms, p99 {Percentile(completion, 0.99):F0} ms");
Console.WriteLine($"packets sent per lookup:   median {Percentile(packets.Select(p => (double)p).ToList(), 0.5):F0}, mean {packets.Average():F1} (all datagrams the searcher sent while its lookup ran)");
Console.WriteLine($"queries sent per lookup:   median {Percentile(queries.Select(p => (double)p).ToList(), 0.5):F0}, mean {queries.Average():F1} (get_peers plus pings of newly met nodes)");
Console.WriteLine($"wall time: {wall.Elapsed.TotalSeconds:F1} s");
foreach (var node in all.SelectMany(h => h.Nodes))
    await node.DisposeAsync();
return 0;

static async Task Consume(IAsyncEnumerable<IPEndPoint> peers, Action onPeer)
{
    await foreach (var _ in peers)
        onPeer();
}

static double Percentile(List<double> values, double q)
{
    if (values.Count == 0)
        return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];
}

static double Gaussian(Random random) =>
    Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

/// <summary>One simulated machine: one DHT node, or an IPv4 and an IPv6 one that are siblings.</summary>
internal sealed record Host(DhtNode[] Nodes)
{
    /// <summary>Joins every family from the same-family node of <paramref name="router"/>.</summary>
    public Task BootstrapAsync(Host router) =>
        Task.WhenAll(Nodes.Select((n, i) => n.BootstrapAsync([router.Nodes[i].LocalEndPoint])));
}
