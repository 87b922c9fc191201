using System.Net;
using System.Net.Http.Json;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Network;

namespace AptP2P.Tests.Network;

/// <summary>The namespace LAN itself: machines reach each other and the test process, and the fence stops and counts the rest.</summary>
public sealed class VirtualLanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Machines_reach_each_other_and_the_fence_counts_only_what_is_addressed_outside()
    {
        await using var lan = await VirtualLan.CreateAsync(Ct);
        var a = await lan.AddMachineAsync(Ct);
        var b = await lan.AddMachineAsync(Ct);

        // A UDP datagram to the other machine, to the test process, and one to a documentation address outside the LAN.
        await SendUdpAsync(a, b.Address, 9);
        await SendUdpAsync(a, lan.HostAddress, 9);
        Assert.Equal(0, (await a.ReadOutsideTrafficAsync(Ct)).Packets);
        await SendUdpAsync(a, IPAddress.Parse("198.51.100.7"), 9);
        await SendUdpAsync(a, IPAddress.Parse("2001:db8::7"), 9);

        var outside = await a.ReadOutsideTrafficAsync(Ct);
        Assert.Equal(2, outside.Packets);
        Assert.Contains(IPAddress.Parse("198.51.100.7"), outside.Destinations);
        Assert.Contains(IPAddress.Parse("2001:db8::7"), outside.Destinations);
        Assert.Equal(0, (await b.ReadOutsideTrafficAsync(Ct)).Packets);
    }

    [Fact]
    public async Task A_node_in_a_machine_answers_the_test_process_on_its_lan_address_at_port_9977()
    {
        await using var lan = await VirtualLan.CreateAsync(Ct);
        var a = await lan.AddMachineAsync(Ct);
        await using var node = await a.StartNodeAsync([], cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromSeconds(10) };

        using var stats = await http.GetAsync(new Uri("/api/stats", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal($"http://{a.Address}:9977/", node.BaseUri.ToString());
        var dht = await http.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri("/api/dht", UriKind.Relative), Ct);
        Assert.Equal(9977, dht.GetProperty("port").GetInt32());
    }

    private static async Task SendUdpAsync(LanMachine from, IPAddress to, int port)
    {
        // bash's /dev/udp sends one datagram from inside the machine's namespace; the fence refuses the write (EPERM) of one
        // it drops, so the exit status says nothing and the counters are the measure.
        await ProcessRunner.RunAsync(new ProcessSpec(from.CommandPrefix[0], [.. from.CommandPrefix.Skip(1), "bash", "-c", $"echo probe > /dev/udp/{to}/{port} || true"]), Ct);
    }
}
