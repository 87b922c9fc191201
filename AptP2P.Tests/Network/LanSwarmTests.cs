using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Network;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Network;

/// <summary>
/// Real machines on a real LAN (network namespaces on a bridge), each node on its default port 9977 with its own real
/// apt-get, the mirror on the LAN's host address: the swarm works across machines, not only across loopback addresses.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class LanSwarmTests(MirrorFixture fixture) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] InstallSet = ["hello", "figlet", "tree", "fortune-mod", DebianRepository.BigPackageName];

    private VirtualLan _lan = null!;
    private NginxMirror _mirror = null!;
    private readonly List<IAsyncDisposable> _owned = [];

    public async ValueTask InitializeAsync()
    {
        _lan = await VirtualLan.CreateAsync(Ct);
        _mirror = new NginxMirror(fixture.Repository.Root) { ListenAddress = _lan.HostAddress };
        await _mirror.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
            await owned.DisposeAsync();
        await _mirror.DisposeAsync();
        await _lan.DisposeAsync();
    }

    [Fact]
    public async Task A_machine_gets_every_package_from_another_machine_by_the_dht_and_none_from_the_mirror()
    {
        var a = await _lan.AddMachineAsync(Ct);
        var b = await _lan.AddMachineAsync(Ct);
        var nodeA = await StartAsync(a, []);
        var nodeB = await StartAsync(b, [$"AptP2P:Dht:BootstrapNodes:0={a.Address}:{LanMachine.NodePort}"]);
        using var aptA = a.CreateAptClient(fixture.Repository, _mirror.HostPort);
        using var aptB = b.CreateAptClient(fixture.Repository, _mirror.HostPort);
        LanAssert.Succeeded(await aptA.UpdateAsync(Ct), nodeA);
        LanAssert.Succeeded(await aptA.InstallDownloadOnlyAsync(InstallSet), nodeA);
        await nodeB.WaitUntilFindsAsync($"{a.Address}:{LanMachine.NodePort}", LanAssert.HashesOf(aptA), TimeSpan.FromSeconds(45), Ct);
        _mirror.ClearAccessLog();

        LanAssert.Succeeded(await aptB.UpdateAsync(Ct), nodeB);
        LanAssert.Succeeded(await aptB.InstallDownloadOnlyAsync(InstallSet), nodeB);

        LanAssert.NoPoolRequests(_mirror, nodeB);
        LanAssert.SameFiles(fixture.Repository, aptB, InstallSet);
        Assert.Equal(0, (await a.ReadOutsideTrafficAsync(Ct)).Packets);
        Assert.Equal(0, (await b.ReadOutsideTrafficAsync(Ct)).Packets);
    }

    private async Task<NodeProcess> StartAsync(LanMachine machine, string[] settings)
    {
        var node = await machine.StartNodeAsync(settings, cancellationToken: Ct);
        _owned.Add(node);
        return node;
    }
}
