using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Testing.Fuzzing;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>
/// A million mutated KRPC datagrams at a real node process over loopback, paced to what it has read, with its resident
/// memory sampled throughout; afterwards the node must still answer a ping with its own id and have logged no error.
/// </summary>
internal static class KrpcFuzzBenchmark
{
    private const int Datagrams = 1_000_000;

    // Datagrams sent but not yet counted by the node; well under what its 1 MiB receive buffer holds, so few are dropped.
    private const int Window = 500;

    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    /// <returns>Whether the node came through: no crash, no error logged, the ping answered.</returns>
    public static async Task<bool> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var port = FreePort.Pick();
        // A bootstrap router where nothing listens: the node has something to try and never reaches the public routers.
        var nowhere = FreePort.Pick();
        await using var node = await NodeProcess.StartAsync(
            new NodeProcessOptions { Port = port, Settings = [$"AptP2P:Dht:BootstrapNodes:0=127.0.0.1:{nowhere}"] }, cancellationToken);
        using var http = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        var before = await ReadDhtAsync(http, cancellationToken);
        var rssBefore = VmRssMiB(node.ProcessId);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var peak = rssBefore;
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(SampleEvery);
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                peak = Math.Max(peak, VmRssMiB(node.ProcessId));
        }, CancellationToken.None);
        var received = before.DatagramsIn;
        var stopwatch = Stopwatch.StartNew();
        // When the count last moved: the end of the run, without the wait that shows it has stopped.
        long lastArrivalTicks = 0;
        var counter = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var now = (await ReadDhtAsync(http, stop.Token).ConfigureAwait(false)).DatagramsIn;
                if (now != Volatile.Read(ref received))
                    Volatile.Write(ref lastArrivalTicks, stopwatch.Elapsed.Ticks);
                Volatile.Write(ref received, now);
            }
        }, CancellationToken.None);

        var sent = await SendAsync(port, () => Volatile.Read(ref received) - before.DatagramsIn, node, cancellationToken);
        // The last datagrams in flight: wait until the count stops moving.
        for (long last = -1; Volatile.Read(ref received) != last;)
        {
            last = Volatile.Read(ref received);
            await Task.Delay(500, cancellationToken);
        }
        var seconds = TimeSpan.FromTicks(Volatile.Read(ref lastArrivalTicks)).TotalSeconds;
        var after = await ReadDhtAsync(http, cancellationToken);
        await Task.Delay(Idle, cancellationToken);
        var rssAfter = VmRssMiB(node.ProcessId);
        await stop.CancelAsync();
        await IgnoreCancellation(sampler);
        await IgnoreCancellation(counter);

        var answeredId = await PingAsync(port, cancellationToken);
        var pingOk = string.Equals(answeredId, before.NodeId, StringComparison.OrdinalIgnoreCase);
        var errors = node.Output.Count(l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal));
        var crashed = node.HasExited;

        var arrived = after.DatagramsIn - before.DatagramsIn;
        output.WriteLine($"krpc: {sent:N0} datagrams sent to a node process on 127.0.0.1:{port}, {arrived:N0} received by it ({F(100.0 * arrived / sent, "0.0")} %), "
            + $"{after.MalformedIn - before.MalformedIn:N0} malformed, {after.QueriesIn - before.QueriesIn:N0} queries, {after.DroppedIn - before.DroppedIn:N0} dropped by the rate limit");
        output.WriteLine($"  {F(seconds, "0.0")} s, {F(arrived / seconds, "0")} datagrams/s received");
        output.WriteLine($"  VmRSS {F(rssBefore, "0")} MiB before, {F(peak, "0")} MiB peak (sampled every {SampleEvery.TotalMilliseconds:0} ms), {F(rssAfter, "0")} MiB after {Idle.TotalSeconds:0} s idle");
        output.WriteLine($"  error-level log lines: {errors}; process {(crashed ? $"EXITED with code {node.ExitCode}" : "still running")}; "
            + $"ping from a fresh node: {(pingOk ? "answered with the node's id" : $"FAILED (got {answeredId ?? "no answer"}, expected {before.NodeId})")}");
        if (errors > 0)
        {
            foreach (var line in node.Output.Where(l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)).Take(5))
                output.WriteLine($"    {line}");
        }
        return !crashed && errors == 0 && pingOk;
    }

    private static async Task<long> SendAsync(int port, Func<long> arrived, NodeProcess node, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var corpus = KrpcCorpus.Corpus();
        var random = new Random(2026);
        // Datagrams the kernel dropped are written off after a stall so the window does not close for good.
        long sent = 0, lost = 0;
        while (sent < Datagrams)
        {
            if (sent - lost - arrived() < Window)
            {
                socket.SendTo(KrpcCorpus.Mutate(corpus[random.Next(corpus.Count)], random), target);
                sent++;
                continue;
            }
            var last = arrived();
            for (var idle = 0; sent - lost - arrived() >= Window; idle = arrived() == last ? idle + 1 : 0, last = arrived())
            {
                if (node.HasExited)
                    return sent;
                if (idle >= 50)
                    lost = sent - arrived();
                await Task.Delay(1, cancellationToken);
            }
        }
        return sent;
    }

    private static async Task<string?> PingAsync(int port, CancellationToken cancellationToken)
    {
        await using var checker = new DhtNode(
            new UdpDhtTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger<UdpDhtTransport>.Instance),
            new DhtOptions(), TimeProvider.System, NullLogger.Instance);
        checker.Start();
        var id = await checker.PingAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        return id?.ToString();
    }

    private sealed record DhtCounters(string NodeId, long DatagramsIn, long MalformedIn, long QueriesIn, long DroppedIn);

    private static async Task<DhtCounters> ReadDhtAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var dht = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/dht", UriKind.Relative), cancellationToken);
        return new DhtCounters(
            dht.GetProperty("nodeId").GetString()!,
            dht.GetProperty("datagramsIn").GetInt64(),
            dht.GetProperty("malformedIn").GetInt64(),
            dht.GetProperty("queriesIn").GetInt64(),
            dht.GetProperty("droppedIn").GetInt64());
    }

    /// <summary>The resident set of <paramref name="pid"/>: the VmRSS line of /proc/pid/status, in kB.</summary>
    private static double VmRssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // The sampler and the counter end by cancellation.
        }
    }
}
