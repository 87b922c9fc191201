using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Network;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Network;

/// <summary>
/// Real machines on a real LAN (network namespaces on a bridge), each node on its default port 9977 with NO bootstrap node and
/// its own real apt-get: local discovery alone makes them one swarm; the modes (LAN-only, a swarm key) hold on the wire.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class LanDiscoveryTests(MirrorFixture fixture) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName];
    private static readonly TimeSpan FindWithin = TimeSpan.FromSeconds(10);

    private VirtualLan _lan = null!;
    private NginxMirror _mirror = null!;
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _directories = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async ValueTask InitializeAsync()
    {
        _lan = await VirtualLan.CreateAsync(Ct);
        _mirror = new NginxMirror(fixture.Repository.Root) { ListenAddress = _lan.HostAddress };
        await _mirror.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
            await owned.DisposeAsync();
        await _mirror.DisposeAsync();
        await _lan.DisposeAsync();
        foreach (var directory in _directories)
            Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Three_machines_with_no_configuration_find_each_other_and_share_without_the_mirror()
    {
        var a = await _lan.AddMachineAsync(Ct);
        var b = await _lan.AddMachineAsync(Ct);
        var c = await _lan.AddMachineAsync(Ct);
        var nodeA = await StartAsync(a, []);
        var startedB = Stopwatch.StartNew();
        var nodeB = await StartAsync(b, []);
        await WaitUntilKnowsAsync(nodeA, b, FindWithin - startedB.Elapsed);
        await WaitUntilKnowsAsync(nodeB, a, FindWithin - startedB.Elapsed);
        TestContext.Current.TestOutputHelper?.WriteLine($"A and B know each other {startedB.Elapsed.TotalMilliseconds:0} ms after B's start began");
        var nodeC = await StartAsync(c, []);
        await WaitUntilKnowsAsync(nodeC, a, FindWithin);
        await WaitUntilKnowsAsync(nodeC, b, FindWithin);

        using var aptA = a.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptA.UpdateAsync(Ct), nodeA);
        LanAssert.Succeeded(await aptA.InstallDownloadOnlyAsync(InstallSet), nodeA);
        await nodeB.WaitUntilFindsAsync($"{a.Address}:{LanMachine.NodePort}", LanAssert.HashesOf(aptA), TimeSpan.FromSeconds(30), Ct);
        _mirror.ClearAccessLog();

        using var aptB = b.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptB.UpdateAsync(Ct), nodeB);
        LanAssert.Succeeded(await aptB.InstallDownloadOnlyAsync(InstallSet), nodeB);
        LanAssert.NoPoolRequests(_mirror, nodeB);
        LanAssert.SameFiles(fixture.Repository, aptB, InstallSet);
        using (var stats = JsonDocument.Parse(await _http.GetStringAsync(new Uri(nodeB.BaseUri, "api/stats"), Ct)))
        {
            var traffic = stats.RootElement.GetProperty("total");
            Assert.True(traffic.GetProperty("bytesFromLanPeers").GetInt64() > 0, traffic.GetRawText());
            Assert.Equal(traffic.GetProperty("bytesFromPeers").GetInt64(), traffic.GetProperty("bytesFromLanPeers").GetInt64());
        }

        // The mirror gone: C has read the indexes, and gets every package from the LAN.
        using var aptC = c.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptC.UpdateAsync(Ct), nodeC);
        await _mirror.StopAsync(Ct);
        LanAssert.Succeeded(await aptC.InstallDownloadOnlyAsync(InstallSet), nodeC);
        LanAssert.SameFiles(fixture.Repository, aptC, InstallSet);

        foreach (var machine in new[] { a, b, c })
            Assert.Equal(0, (await machine.ReadOutsideTrafficAsync(Ct)).Packets);
    }

    [Fact]
    public async Task With_the_public_dht_off_no_datagram_leaves_the_lan_while_a_node_with_it_on_does_send()
    {
        const string Outside = "AptP2P:Dht:BootstrapNodes:0=198.51.100.7:6881";
        var lanOnly = await _lan.AddMachineAsync(Ct);
        var open = await _lan.AddMachineAsync(Ct);
        var lanOnlyNode = await StartAsync(lanOnly, [Outside, "AptP2P:Discovery:PublicDht=false"]);
        var openNode = await StartAsync(open, [Outside]);
        await WaitUntilKnowsAsync(lanOnlyNode, open, FindWithin);
        await WaitUntilKnowsAsync(openNode, lanOnly, FindWithin);

        // The open node's bootstrap goes out (the fence stops and counts it): the check below can see a leak.
        var deadline = Stopwatch.StartNew();
        while ((await open.ReadOutsideTrafficAsync(Ct)).Packets == 0 && deadline.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(200, Ct);
        var openOutside = await open.ReadOutsideTrafficAsync(Ct);
        Assert.True(openOutside.Packets > 0, $"the node with the public DHT on sent nothing outside: {openOutside}\n{openNode}");
        Assert.Contains(IPAddress.Parse("198.51.100.7"), openOutside.Destinations);

        var discovery = await DiscoveryOfAsync(lanOnlyNode);
        Assert.False(discovery.GetProperty("publicDht").GetBoolean());
        Assert.Equal(0, (await lanOnly.ReadOutsideTrafficAsync(Ct)).Packets);
    }

    [Fact]
    public async Task Nodes_with_a_swarm_key_hear_and_serve_only_each_other()
    {
        const string Key = "AptP2P:Discovery:SwarmKey=lab-42 correct horse";
        var a = await _lan.AddMachineAsync(Ct);
        var b = await _lan.AddMachineAsync(Ct);
        var stranger = await _lan.AddMachineAsync(Ct);
        // The stranger first: it is there to hear the others' joining hellos.
        var strangerNode = await StartAsync(stranger, []);
        var nodeA = await StartAsync(a, [Key]);
        var nodeB = await StartAsync(b, [Key]);
        await WaitUntilKnowsAsync(nodeA, b, FindWithin);
        await WaitUntilKnowsAsync(nodeB, a, FindWithin);

        using var aptA = a.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptA.UpdateAsync(Ct), nodeA);
        LanAssert.Succeeded(await aptA.InstallDownloadOnlyAsync(InstallSet), nodeA);
        await nodeB.WaitUntilFindsAsync($"{a.Address}:{LanMachine.NodePort}", LanAssert.HashesOf(aptA), TimeSpan.FromSeconds(30), Ct);
        _mirror.ClearAccessLog();
        using var aptB = b.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptB.UpdateAsync(Ct), nodeB);
        LanAssert.Succeeded(await aptB.InstallDownloadOnlyAsync(InstallSet), nodeB);
        LanAssert.NoPoolRequests(_mirror, nodeB);

        // The stranger heard both and took neither; they ignored it; a peer request without the proof is refused.
        foreach (var (node, machine) in new[] { (nodeA, stranger), (nodeB, stranger), (strangerNode, a), (strangerNode, b) })
            Assert.DoesNotContain(PeersOf(await DiscoveryOfAsync(node)), p => p.StartsWith(machine.Address + ":", StringComparison.Ordinal));
        var heard = await DiscoveryOfAsync(strangerNode);
        Assert.True(heard.GetProperty("packets").GetProperty("otherSwarm").GetInt64() > 0, heard.GetRawText());
        Assert.True((await DiscoveryOfAsync(nodeA)).GetProperty("packets").GetProperty("otherSwarm").GetInt64() > 0);
        var big = fixture.Repository.BigPackage;
        using (var refused = await _http.GetAsync(new Uri(nodeA.BaseUri, $"~/{big.Sha256}"), Ct))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        _mirror.ClearAccessLog();
        using var aptStranger = stranger.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptStranger.UpdateAsync(Ct), strangerNode);
        LanAssert.Succeeded(await aptStranger.InstallDownloadOnlyAsync(InstallSet), strangerNode);
        var fromMirror = _mirror.ReadAccessLog().Count(e => e.Path.Contains("/pool/", StringComparison.Ordinal));
        Assert.True(fromMirror >= InstallSet.Length, $"the stranger got packages from the swarm: only {fromMirror} pool requests at the mirror\n{strangerNode}");
    }

    [Fact]
    public async Task The_modes_switched_through_the_settings_api_apply_live()
    {
        const string Secret = "lab-42 correct horse battery";
        var a = await _lan.AddMachineAsync(Ct);
        var b = await _lan.AddMachineAsync(Ct);
        // Both machines were set up with local discovery off (in settings.json, where the settings form writes it).
        var nodeA = await StartAsync(a, [], SettingsWith("""{ "AptP2P": { "Discovery": { "Lan": false } } }"""));
        var nodeB = await StartAsync(b, [], SettingsWith("""{ "AptP2P": { "Discovery": { "Lan": false } } }"""));
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        foreach (var node in new[] { nodeA, nodeB })
        {
            var off = await DiscoveryOfAsync(node);
            Assert.False(off.GetProperty("lan").GetBoolean());
            Assert.Empty(PeersOf(off));
            Assert.Equal(0, off.GetProperty("packets").GetProperty("sent").GetInt64());
        }

        // On, live: they find each other as if they had just started.
        var turnedOn = Stopwatch.StartNew();
        await PutSettingsAsync(nodeA, """{ "discovery": { "lan": true } }""");
        await PutSettingsAsync(nodeB, """{ "discovery": { "lan": true } }""");
        await WaitUntilKnowsAsync(nodeA, b, FindWithin);
        await WaitUntilKnowsAsync(nodeB, a, FindWithin);
        TestContext.Current.TestOutputHelper?.WriteLine($"turned on through the API: both know each other after {turnedOn.Elapsed.TotalMilliseconds:0} ms");

        // A swarm key on A alone: A forgets B and B does not take A's proven hellos.
        await PutSettingsAsync(nodeA, $$"""{ "discovery": { "swarmKey": "{{Secret}}" } }""");
        var deadline = Stopwatch.StartNew();
        while ((await DiscoveryOfAsync(nodeB)).GetProperty("packets").GetProperty("otherSwarm").GetInt64() == 0)
        {
            Assert.True(deadline.Elapsed < FindWithin, $"B never heard A's hellos of another swarm:\n{nodeB}");
            await Task.Delay(100, Ct);
        }
        var keyed = await DiscoveryOfAsync(nodeA);
        Assert.True(keyed.GetProperty("swarmKey").GetBoolean());
        Assert.DoesNotContain($"{b.Address}:{LanMachine.NodePort}", PeersOf(keyed));
        using (var refused = await _http.GetAsync(new Uri(nodeA.BaseUri, $"~/{fixture.Repository.BigPackage.Sha256}"), Ct))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // The same key on B: one swarm again. The key is never read back.
        await PutSettingsAsync(nodeB, $$"""{ "discovery": { "swarmKey": "{{Secret}}" } }""");
        await WaitUntilKnowsAsync(nodeA, b, FindWithin);
        await WaitUntilKnowsAsync(nodeB, a, FindWithin);
        foreach (var node in new[] { nodeA, nodeB })
        {
            var settings = await _http.GetStringAsync(new Uri(node.BaseUri, "api/settings"), Ct);
            Assert.DoesNotContain(Secret, settings, StringComparison.Ordinal);
            Assert.Contains("\"swarmKeySet\":true", settings, StringComparison.Ordinal);
        }

        // Off again, live: A stops sending hellos.
        await PutSettingsAsync(nodeA, """{ "discovery": { "lan": false } }""");
        var stopped = await DiscoveryOfAsync(nodeA);
        Assert.False(stopped.GetProperty("lan").GetBoolean());
        Assert.Empty(PeersOf(stopped));
    }

    /// <summary>A fresh data directory (removed with the test) whose settings.json holds <paramref name="json"/>.</summary>
    private string SettingsWith(string json)
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-lan-settings-").FullName;
        _directories.Add(directory);
        File.WriteAllText(Path.Combine(directory, "settings.json"), json);
        return directory;
    }

    private async Task PutSettingsAsync(NodeProcess node, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PutAsync(new Uri(node.BaseUri, "api/settings"), content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"PUT /api/settings {json}: {(int)response.StatusCode} {body}\n{node}");
        Assert.Contains("\"overridden\":[]", body, StringComparison.Ordinal);
    }

    private async Task<NodeProcess> StartAsync(LanMachine machine, string[] settings, string? dataDirectory = null)
    {
        var node = await machine.StartNodeAsync(settings, dataDirectory, Ct);
        _owned.Add(node);
        return node;
    }

    private async Task<JsonElement> DiscoveryOfAsync(NodeProcess node)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node.BaseUri, "api/discovery"), Ct));
        return document.RootElement.Clone();
    }

    private static List<string> PeersOf(JsonElement discovery) =>
        [.. discovery.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("endPoint").GetString()!)];

    /// <summary>Polls <c>/api/discovery</c> until <paramref name="node"/> lists <paramref name="other"/>'s node as a LAN peer.</summary>
    private async Task WaitUntilKnowsAsync(NodeProcess node, LanMachine other, TimeSpan within)
    {
        var expected = $"{other.Address}:{LanMachine.NodePort}";
        var waited = Stopwatch.StartNew();
        JsonElement discovery;
        while (!PeersOf(discovery = await DiscoveryOfAsync(node)).Contains(expected))
        {
            Assert.True(waited.Elapsed < within, $"{node.BaseUri} did not hear {expected} within {within.TotalSeconds:0.0} s: {discovery.GetRawText()}\n{node}");
            await Task.Delay(100, Ct);
        }
    }
}
