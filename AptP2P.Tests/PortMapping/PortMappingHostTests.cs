using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AptP2P.Engine.Node;
using AptP2P.Engine.PortMapping;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.PortMapping;
using AptP2P.Tests.Api;

namespace AptP2P.Tests.PortMapping;

/// <summary>A whole node (its real HTTP and DHT ports) against <see cref="TestGateway"/>, and <c>GET /api/portmapping</c>.</summary>
public sealed class PortMappingHostTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_maps_its_bound_ports_shows_them_in_the_api_and_deletes_them_when_it_stops()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.PcpOnly);
        var node = await AptP2PNode.StartAsync(settings: ["AptP2P:PortMapping:Enabled=true", .. gateway.Settings]);
        int httpPort, dhtPort;
        await using (node)
        {
            var endpoints = node.Get<NodeEndpoints>();
            (httpPort, dhtPort) = (endpoints.HttpPort, endpoints.DhtPort);
            await EventuallyAsync(() => gateway.Active.Count == 2 && node.Get<IPortMappingStatus>().ExternalTcpPort is not null);

            Assert.Contains(gateway.Active, a => a.Protocol == MappingProtocol.Tcp && a.InternalPort == httpPort);
            Assert.Contains(gateway.Active, a => a.Protocol == MappingProtocol.Udp && a.InternalPort == dhtPort);
            using var http = new HttpClient { BaseAddress = node.BaseUri };
            var status = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/portmapping", UriKind.Relative), Token);
            Assert.Equal("PCP", (string?)status!["protocol"]);
            Assert.Equal("203.0.113.9", (string?)status["externalAddress"]);
            Assert.Equal(httpPort, (int?)status["externalTcpPort"]);
            Assert.Equal(dhtPort, (int?)status["externalUdpPort"]);
        }
        Assert.Empty(gateway.Active);
        Assert.Contains(gateway.Requests, r => r.Deleted && r.InternalPort == httpPort);
    }

    [Fact]
    public async Task A_silent_gateway_does_not_delay_the_node_start()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.Silent);
        var watch = Stopwatch.StartNew();
        await using var node = await AptP2PNode.StartAsync(settings: ["AptP2P:PortMapping:Enabled=true", "AptP2P:PortMapping:TimeoutSeconds=30", .. gateway.Settings]);
        var started = watch.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"node started in {started.TotalMilliseconds:0} ms with a silent gateway and a 30 s attempt timeout");

        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var status = await http.GetFromJsonAsync<JsonObject>(new Uri("/api/portmapping", UriKind.Relative), Token);
        Assert.True((bool?)status!["enabled"]);
        Assert.Null((string?)status["protocol"]);
        Assert.InRange(started, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.True(gateway.Requests.Count == 0);
    }

    [Fact]
    public async Task The_api_says_port_mapping_is_off()
    {
        using var client = factory.CreateClient();

        var status = await client.GetFromJsonAsync<JsonObject>(new Uri("/api/portmapping", UriKind.Relative), Token);

        Assert.False((bool?)status!["enabled"]);
        Assert.Null((string?)status["protocol"]);
        Assert.Null((string?)status["lastAttempt"]);
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20, Token);
        }
    }
}
