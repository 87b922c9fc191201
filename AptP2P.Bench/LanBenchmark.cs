using System.Diagnostics;
using System.Text.Json;
using AptP2P.Testing.Discovery;
using AptP2P.Testing.Network;
using AptP2P.Testing.Nodes;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>
/// The figures of issue 11: how long a node takes from its start to knowing its LAN peers, and how many discovery datagrams a
/// node sends and receives per minute. Real node processes on a LAN of network namespaces (3 machines, root needed), and the
/// production discovery code on a simulated segment for 3, 50 and 300 nodes.
/// </summary>
internal static class LanBenchmark
{
    public static async Task RunAsync(TextWriter output, string[] only)
    {
        bool Wants(string part) => only.Length == 0 || only.Contains(part);
        if (Wants("real"))
            await RealLanAsync(output, machines: 3);
        if (Wants("simulated"))
        {
            foreach (var nodes in new[] { 3, 50, 300 })
                await SimulatedAsync(output, nodes);
        }
    }

    private static async Task RealLanAsync(TextWriter output, int machines)
    {
        var ct = CancellationToken.None;
        await using var lan = await VirtualLan.CreateAsync(ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var nodes = new List<(LanMachine Machine, NodeProcess Node)>();
        output.WriteLine($"real LAN: {machines} machines (network namespaces on a bridge), each node on port 9977, no bootstrap node");
        try
        {
            for (var i = 0; i < machines; i++)
            {
                var machine = await lan.AddMachineAsync(ct);
                var launched = Stopwatch.StartNew();
                var node = await machine.StartNodeAsync([], cancellationToken: ct);
                var listening = launched.Elapsed;
                nodes.Add((machine, node));
                // Known both ways: this node lists every earlier one, and every earlier one lists it.
                while (true)
                {
                    var complete = true;
                    foreach (var (other, otherNode) in nodes)
                    {
                        var expected = nodes.Where(n => n.Machine != other).Select(n => $"{n.Machine.Address}:{LanMachine.NodePort}").ToHashSet();
                        var known = await PeersOfAsync(http, otherNode);
                        complete &= expected.IsSubsetOf(known);
                    }
                    if (complete || launched.Elapsed > TimeSpan.FromSeconds(30))
                        break;
                    await Task.Delay(20, ct);
                }
                var everyoneKnown = launched.Elapsed;
                output.WriteLine($"  machine {i + 1}: node answering HTTP {F(listening.TotalMilliseconds, "0")} ms after launch; " +
                    $"it and every earlier node know each other {F(everyoneKnown.TotalMilliseconds, "0")} ms after launch " +
                    $"({F((everyoneKnown - listening).TotalMilliseconds, "0")} ms after it answered)");
            }
            foreach (var (machine, node) in nodes)
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseUri, "api/discovery"), ct));
                var packets = document.RootElement.GetProperty("packets");
                var outside = await machine.ReadOutsideTrafficAsync(ct);
                output.WriteLine($"  {machine.Address}: sent {packets.GetProperty("sent").GetInt64()} hellos (IPv4 + IPv6) and {packets.GetProperty("replies").GetInt64()} replies, " +
                    $"received {packets.GetProperty("received").GetInt64()}, accepted {packets.GetProperty("accepted").GetInt64()}; packets outside the LAN: {outside.Packets}");
            }
        }
        finally
        {
            foreach (var (_, node) in nodes)
                await node.DisposeAsync();
        }
    }

    private static async Task<HashSet<string>> PeersOfAsync(HttpClient http, NodeProcess node)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseUri, "api/discovery")));
        return [.. document.RootElement.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("endPoint").GetString()!)];
    }

    private static async Task SimulatedAsync(TextWriter output, int count)
    {
        await using var lan = new SimulatedLan(seed: count);
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            lan.Add();
            lan.RunFor(TimeSpan.FromSeconds(1));
        }
        var allKnown = lan.Nodes.All(n => n.Directory.Count == count - 1);
        // Steady state: one simulated hour after everyone has joined and the join hellos are over.
        lan.RunFor(TimeSpan.FromMinutes(10));
        long Sent() => lan.Nodes.Sum(n => n.Channel.GroupSends + n.Channel.DirectSends);
        long Received() => lan.Nodes.Sum(n => n.Channel.Received);
        var (sent, received) = (Sent(), Received());
        lan.RunFor(TimeSpan.FromMinutes(60));
        var sentPerMinute = (Sent() - sent) / (double)count / 60;
        var receivedPerMinute = (Received() - received) / (double)count / 60;

        // A node joining the full LAN: how long until it knows everyone, and what its arrival costs the segment.
        var (sentBefore, receivedBefore) = (Sent(), Received());
        var newcomer = lan.Add();
        var joined = TimeSpan.Zero;
        while (newcomer.Directory.Count < count && joined < TimeSpan.FromMinutes(10))
        {
            lan.RunFor(TimeSpan.FromMilliseconds(10));
            joined += TimeSpan.FromMilliseconds(10);
        }
        lan.RunFor(TimeSpan.FromSeconds(5));
        output.WriteLine($"simulated LAN of {count} nodes (production LanDiscovery, 0.2 ms segment; {F(wall.Elapsed.TotalSeconds)} s of CPU for 70+ simulated minutes): " +
            $"{(allKnown ? "every node knows every other" : "NOT every node knows every other")}");
        output.WriteLine($"  steady state per node: {F(sentPerMinute, "0.00")} datagrams sent and {F(receivedPerMinute, "0.0")} received per minute");
        output.WriteLine($"  a node joining: knows all {count} others after {F(joined.TotalMilliseconds, "0")} ms of simulated time; " +
            $"its arrival cost {Sent() - sentBefore} datagrams sent and {Received() - receivedBefore} received on the segment");
    }
}
