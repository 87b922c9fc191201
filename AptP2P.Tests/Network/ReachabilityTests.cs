using System.Diagnostics;
using System.Text.Json;
using AptP2P.Testing.Network;
using AptP2P.Testing.Nodes;

namespace AptP2P.Tests.Network;

/// <summary>
/// Real machines on a LAN of network namespaces: B sits behind what a NAT or a stateful firewall does (nftables in its
/// namespace lets in only answers to what it sent, conntrack's pinholes 3 s). B finds out that nobody reaches it, turns its
/// DHT read-only (BEP 43) by itself and says so; with the rule gone it finds out it is reachable again and leaves
/// read-only (as soon as a node new to it, D, asks it something). A and C, open, are reachable. The nodes' windows are shortened for the test (pinhole 5 s, grace 10 s).
/// </summary>
public sealed class ReachabilityTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);
    private static readonly string[] Windows =
    [
        "AptP2P:Discovery:Lan=false", "AptP2P:Dht:PinholeSeconds=5", "AptP2P:Dht:ReachabilityGraceSeconds=10",
        "AptP2P:Dht:ReachabilityProbeSeconds=8",
    ];

    private VirtualLan _lan = null!;
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async ValueTask InitializeAsync() => _lan = await VirtualLan.CreateAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
            await owned.DisposeAsync();
        await _lan.DisposeAsync();
    }

    [Fact]
    public async Task A_node_nobody_reaches_turns_read_only_by_itself_and_back_once_it_is_reachable()
    {
        var a = await _lan.AddMachineAsync(Ct);
        var b = await _lan.AddMachineAsync(Ct);
        var c = await _lan.AddMachineAsync(Ct);
        var bootstrapA = $"AptP2P:Dht:BootstrapNodes:0={a.NodeEndPoint}";
        var nodeA = await StartAsync(a, Windows);
        var nodeC = await StartAsync(c, [.. Windows, bootstrapA]);
        await b.BlockUnsolicitedUdpAsync(LanMachine.NodePort, pinholeSeconds: 3, Ct);
        var started = Stopwatch.StartNew();
        var nodeB = await StartAsync(b, [.. Windows, bootstrapA]);

        // The open nodes look things up all the time, as a busy DHT does: their queries reach B only through a pinhole.
        using var traffic = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var lookups = Task.WhenAll(LookUpAsync(nodeA, traffic.Token), LookUpAsync(nodeC, traffic.Token));
        try
        {
            var unreachable = await WaitForAsync(nodeB, "Unreachable", readOnly: true);
            TestContext.Current.TestOutputHelper?.WriteLine($"B unreachable and read-only {started.Elapsed.TotalSeconds:0.0} s after its start: {unreachable.GetProperty("how")}");
            await WaitForAsync(nodeA, "Reachable", readOnly: false);
            await nodeB.WaitForOutputAsync("read-only (BEP 43) by itself is now True", TimeSpan.FromSeconds(5), Ct);

            // The rule gone, B's probes (pings without ro) have put it in A's table; a node new to the DHT, D, learns B from A
            // and asks it: the first query from an endpoint B never contacted, which no pinhole would have let in.
            await b.UnblockUdpAsync(Ct);
            var unblocked = Stopwatch.StartNew();
            var d = await _lan.AddMachineAsync(Ct);
            var nodeD = await StartAsync(d, [.. Windows, bootstrapA]);
            var newcomer = LookUpAsync(nodeD, traffic.Token);
            lookups = Task.WhenAll(lookups, newcomer);
            var reachable = await WaitForAsync(nodeB, "Reachable", readOnly: false);
            TestContext.Current.TestOutputHelper?.WriteLine($"B reachable again {unblocked.Elapsed.TotalSeconds:0.0} s after the rule went: {reachable.GetProperty("how")}");
            Assert.Contains("which we had not contacted", reachable.GetProperty("how").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await traffic.CancelAsync();
            await lookups.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    private async Task<NodeProcess> StartAsync(LanMachine machine, string[] settings)
    {
        var node = await machine.StartNodeAsync(settings, cancellationToken: Ct);
        _owned.Add(node);
        return node;
    }

    /// <summary>A lookup of a random key every half second through <c>/api/dht/peers</c>.</summary>
    private async Task LookUpAsync(NodeProcess node, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            try
            {
                using var response = await _http.GetAsync(new Uri(node.BaseUri, $"api/dht/peers/{key}"), cancellationToken);
                await Task.Delay(500, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Polls <c>/api/dht</c> until the IPv4 node's reachability is <paramref name="state"/>; returns it.</summary>
    private async Task<JsonElement> WaitForAsync(NodeProcess node, string state, bool readOnly)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node.BaseUri, "api/dht"), Ct));
            var reachability = document.RootElement.GetProperty("reachability");
            if (reachability.GetProperty("state").GetString() == state && reachability.GetProperty("readOnly").GetBoolean() == readOnly)
                return reachability.Clone();
            Assert.True(waited.Elapsed < Within, $"{node.BaseUri} is not {state} (read-only {readOnly}) within {Within.TotalSeconds:0} s: {reachability.GetRawText()}\n{node}");
            await Task.Delay(250, Ct);
        }
    }
}
