using System.Text.Json;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Network;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Network;

/// <summary>
/// Real machines on an IPv6-only LAN (ULA addresses, no IPv4 but each machine's loopback) and on a dual-stack one, each node
/// on its default port 9977 and default bind address (every IPv4 and IPv6 address), local discovery off so that the DHT
/// alone joins them (BEP 32): apt talks to its node on [::1]:9977 and the second machine takes every package from the first.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class Ipv6LanTests(MirrorFixture fixture) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName];
    private const string NoDiscovery = "AptP2P:Discovery:Lan=false";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
            await owned.DisposeAsync();
    }

    [Fact]
    public async Task On_an_ipv6_only_lan_apt_uses_its_node_on_ipv6_and_the_second_machine_gets_every_package_from_the_first()
    {
        var lan = await Own(VirtualLan.CreateAsync(Ct, ipv6Only: true));
        var mirror = await StartMirrorAsync(lan.HostAddress6);
        var a = await lan.AddMachineAsync(Ct);
        var b = await lan.AddMachineAsync(Ct);
        var nodeA = await StartAsync(a, [NoDiscovery, $"AptP2P:Dht:BootstrapNodes:0={b.NodeEndPoint}"]);
        var nodeB = await StartAsync(b, [NoDiscovery, $"AptP2P:Dht:BootstrapNodes:0={a.NodeEndPoint}"]);

        using var aptA = a.CreateAptClient(fixture.Repository, mirror.HostPort, overIPv6: true);
        LanAssert.Succeeded(await aptA.UpdateAsync(Ct), nodeA);
        LanAssert.Succeeded(await aptA.InstallDownloadOnlyAsync(InstallSet), nodeA);
        await nodeB.WaitUntilFindsAsync(a.NodeEndPoint, LanAssert.HashesOf(aptA), TimeSpan.FromSeconds(45), Ct);
        mirror.ClearAccessLog();

        using var aptB = b.CreateAptClient(fixture.Repository, mirror.HostPort, overIPv6: true);
        LanAssert.Succeeded(await aptB.UpdateAsync(Ct), nodeB);
        LanAssert.Succeeded(await aptB.InstallDownloadOnlyAsync(InstallSet), nodeB);

        LanAssert.NoPoolRequests(mirror, nodeB);
        LanAssert.SameFiles(fixture.Repository, aptB, InstallSet);
        var dht = await DhtOfAsync(nodeB);
        var ipv6 = dht.GetProperty("ipv6");
        Assert.Equal("ipv6", ipv6.GetProperty("family").GetString());
        Assert.True(ipv6.GetProperty("routingTableSize").GetInt32() >= 1, dht.GetRawText());
        Assert.Equal(0, (await a.ReadOutsideTrafficAsync(Ct)).Packets);
        Assert.Equal(0, (await b.ReadOutsideTrafficAsync(Ct)).Packets);
    }

    [Fact]
    public async Task On_a_dual_stack_lan_nodes_that_know_each_other_by_one_family_each_share_over_either()
    {
        var lan = await Own(VirtualLan.CreateAsync(Ct));
        var mirror = await StartMirrorAsync(lan.HostAddress);
        var a = await lan.AddMachineAsync(Ct);
        var b = await lan.AddMachineAsync(Ct);
        // A knows B only by its IPv6 address, B knows A only by its IPv4 address.
        var nodeA = await StartAsync(a, [NoDiscovery, $"AptP2P:Dht:BootstrapNodes:0=[{b.Address6}]:{LanMachine.NodePort}"]);
        var nodeB = await StartAsync(b, [NoDiscovery, $"AptP2P:Dht:BootstrapNodes:0={a.Address}:{LanMachine.NodePort}"]);

        using var aptA = a.CreateAptClient(fixture.Repository, mirror.HostPort);
        LanAssert.Succeeded(await aptA.UpdateAsync(Ct), nodeA);
        LanAssert.Succeeded(await aptA.InstallDownloadOnlyAsync(InstallSet), nodeA);
        string[] holders = [$"{a.Address}:{LanMachine.NodePort}", $"[{a.Address6}]:{LanMachine.NodePort}"];
        await nodeB.WaitUntilFindsAsync(holders, LanAssert.HashesOf(aptA), TimeSpan.FromSeconds(45), Ct);
        mirror.ClearAccessLog();

        using var aptB = b.CreateAptClient(fixture.Repository, mirror.HostPort, overIPv6: true);
        LanAssert.Succeeded(await aptB.UpdateAsync(Ct), nodeB);
        LanAssert.Succeeded(await aptB.InstallDownloadOnlyAsync(InstallSet), nodeB);

        LanAssert.NoPoolRequests(mirror, nodeB);
        LanAssert.SameFiles(fixture.Repository, aptB, InstallSet);
        // Both families join on both machines although each node was given one address of one family: B's IPv6 table
        // learns A from A's IPv6 bootstrap (retried while B was not up yet), A's IPv4 table learns B from B's queries.
        foreach (var node in new[] { nodeA, nodeB })
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            JsonElement dht;
            while (!Joined(dht = await DhtOfAsync(node)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"not in both families' tables: {dht.GetRawText()}\n{node}");
                await Task.Delay(250, Ct);
            }
        }

        static bool Joined(JsonElement dht) =>
            dht.GetProperty("routingTableSize").GetInt32() >= 1 && dht.GetProperty("ipv6").GetProperty("routingTableSize").GetInt32() >= 1;
    }

    private async Task<T> Own<T>(Task<T> created) where T : IAsyncDisposable
    {
        var value = await created;
        _owned.Add(value);
        return value;
    }

    private async Task<NginxMirror> StartMirrorAsync(System.Net.IPAddress address)
    {
        var mirror = new NginxMirror(fixture.Repository.Root) { ListenAddress = address };
        _owned.Add(mirror);
        await mirror.StartAsync(Ct);
        return mirror;
    }

    private async Task<NodeProcess> StartAsync(LanMachine machine, string[] settings)
    {
        var node = await machine.StartNodeAsync(settings, cancellationToken: Ct);
        _owned.Add(node);
        return node;
    }

    private async Task<JsonElement> DhtOfAsync(NodeProcess node)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node.BaseUri, "api/dht"), Ct));
        return document.RootElement.Clone();
    }
}
