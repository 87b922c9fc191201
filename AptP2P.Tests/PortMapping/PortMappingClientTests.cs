using System.Diagnostics;
using System.Net;
using AptP2P.Engine.PortMapping;
using AptP2P.Testing.PortMapping;

namespace AptP2P.Tests.PortMapping;

/// <summary>The PCP, NAT-PMP and UPnP IGD clients against <see cref="TestGateway"/>, which speaks the real byte formats on loopback.</summary>
public sealed class PortMappingClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3600);
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pcp_maps_tcp_and_udp_and_reports_the_external_address()
    {
        await using var gateway = new TestGateway();
        var pcp = new PcpClient(gateway.PcpEndPoint, Timeout);

        var tcp = await pcp.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);
        var udp = await pcp.MapAsync(MappingProtocol.Udp, 9978, 9978, Lease, Token);

        Assert.Equal(new GatewayMapping(MappingProtocol.Tcp, 9977, 9977, Lease), tcp.Mapping);
        Assert.Equal(new GatewayMapping(MappingProtocol.Udp, 9978, 9978, Lease), udp.Mapping);
        Assert.Equal(gateway.ExternalAddress, tcp.ExternalAddress);
        Assert.Equal(gateway.ExternalAddress, (await pcp.GetExternalAddressAsync(Token)).Address);
        Assert.Equal(2, gateway.Active.Count(a => a.Via == "PCP"));
    }

    [Fact]
    public async Task Pcp_renews_with_the_same_mapping_and_deletes_it_with_lifetime_zero()
    {
        await using var gateway = new TestGateway();
        var pcp = new PcpClient(gateway.PcpEndPoint, Timeout);
        var first = (await pcp.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token)).Mapping!;

        var renewed = await pcp.MapAsync(MappingProtocol.Tcp, 9977, first.ExternalPort, Lease, Token);
        Assert.Equal(first, renewed.Mapping);
        Assert.Single(gateway.Active);

        var deleted = await pcp.DeleteAsync(first, Token);
        Assert.True(deleted.Succeeded);
        Assert.Empty(gateway.Active);
        Assert.Equal([3600, 3600, 0], gateway.Requests.Select(r => r.LeaseSeconds));
    }

    [Fact]
    public async Task Pcp_gets_the_lease_and_port_the_gateway_grants()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.OtherPort) { MaxLeaseSeconds = 120 };
        var pcp = new PcpClient(gateway.PcpEndPoint, Timeout);

        var tcp = await pcp.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);

        Assert.Equal(new GatewayMapping(MappingProtocol.Tcp, 9977, TestGateway.OtherPortFor(9977), TimeSpan.FromSeconds(120)), tcp.Mapping);
    }

    [Fact]
    public async Task Pcp_result_codes_are_failures_with_their_name()
    {
        await using var gateway = new TestGateway { RefuseWith = 2 };
        var pcp = new PcpClient(gateway.PcpEndPoint, Timeout);

        var result = await pcp.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token);

        Assert.Null(result.Mapping);
        Assert.Equal("PCP: NOT_AUTHORIZED", result.Error);
        Assert.False(result.UnsupportedVersion);
    }

    [Fact]
    public async Task Pcp_to_a_nat_pmp_only_gateway_says_unsupported_version_and_nat_pmp_maps()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.PcpUnsupported);
        var pcp = new PcpClient(gateway.PcpEndPoint, Timeout);
        var pmp = new NatPmpClient(gateway.PcpEndPoint, Timeout);

        var refused = await pcp.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);
        var tcp = await pmp.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);
        var udp = await pmp.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token);

        Assert.True(refused.UnsupportedVersion);
        Assert.Equal(new GatewayMapping(MappingProtocol.Tcp, 9977, 9977, Lease), tcp.Mapping);
        Assert.Equal(new GatewayMapping(MappingProtocol.Udp, 9977, 9977, Lease), udp.Mapping);
        Assert.Equal(gateway.ExternalAddress, (await pmp.GetExternalAddressAsync(Token)).Address);
        Assert.Equal(2, gateway.Active.Count(a => a.Via == "NAT-PMP"));
    }

    [Fact]
    public async Task Nat_pmp_deletes_with_lifetime_zero_and_reports_refusals()
    {
        await using var gateway = new TestGateway();
        var pmp = new NatPmpClient(gateway.PcpEndPoint, Timeout);
        var udp = (await pmp.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token)).Mapping!;

        Assert.True((await pmp.DeleteAsync(udp, Token)).Succeeded);
        Assert.Empty(gateway.Active);

        gateway.RefuseWith = 4;
        Assert.Equal("NAT-PMP: out of resources", (await pmp.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token)).Error);
    }

    [Fact]
    public async Task Garbage_from_the_gateway_is_a_failure_with_a_reason_within_the_timeout()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.Garbage);
        var watch = Stopwatch.StartNew();

        var pcp = await new PcpClient(gateway.PcpEndPoint, TimeSpan.FromSeconds(1)).MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);
        var pmp = await new NatPmpClient(gateway.PcpEndPoint, TimeSpan.FromSeconds(1)).GetExternalAddressAsync(Token);

        Assert.Contains("not an answer", pcp.Error, StringComparison.Ordinal);
        Assert.Contains("not an answer", pmp.Error, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3.5));
    }

    [Fact]
    public async Task A_silent_gateway_costs_the_timeout_and_retransmissions_double()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.Silent);
        var watch = Stopwatch.StartNew();

        var result = await new PcpClient(gateway.PcpEndPoint, TimeSpan.FromSeconds(1)).MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);

        Assert.StartsWith("no answer from", result.Error, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Upnp_finds_the_gateway_maps_both_protocols_reads_the_address_and_deletes()
    {
        await using var gateway = new TestGateway();
        using var http = new HttpClient();

        var (client, error) = await UpnpIgdClient.DiscoverAsync(gateway.SsdpEndPoint, http, Timeout, Token);
        Assert.Null(error);
        Assert.Equal(new Uri($"http://{gateway.HttpEndPoint}{TestGateway.ControlPath}"), client!.Service.ControlUrl);
        var tcp = await client.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);
        var udp = await client.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token);

        Assert.Equal(new GatewayMapping(MappingProtocol.Tcp, 9977, 9977, Lease), tcp.Mapping);
        Assert.Equal(new GatewayMapping(MappingProtocol.Udp, 9977, 9977, Lease), udp.Mapping);
        Assert.Equal(gateway.ExternalAddress, (await client.GetExternalAddressAsync(Token)).Address);
        Assert.Equal(2, gateway.Active.Count);
        Assert.True((await client.DeleteAsync(tcp.Mapping!, Token)).Succeeded);
        Assert.True((await client.DeleteAsync(udp.Mapping!, Token)).Succeeded);
        Assert.Empty(gateway.Active);
        Assert.Contains("714", (await client.DeleteAsync(udp.Mapping!, Token)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upnp_conflict_718_tries_another_external_port()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.OtherPort);
        using var http = new HttpClient();
        var (client, _) = await UpnpIgdClient.DiscoverAsync(gateway.SsdpEndPoint, http, Timeout, Token);

        var tcp = await client!.MapAsync(MappingProtocol.Tcp, 9977, 9977, Lease, Token);

        Assert.Equal(9978, tcp.Mapping!.ExternalPort);
        Assert.Equal(9978, Assert.Single(gateway.Active).ExternalPort);
    }

    [Fact]
    public async Task Upnp_only_permanent_leases_725_retries_with_lease_zero()
    {
        await using var gateway = new TestGateway { PermanentLeasesOnly = true };
        using var http = new HttpClient();
        var (client, _) = await UpnpIgdClient.DiscoverAsync(gateway.SsdpEndPoint, http, Timeout, Token);

        var udp = await client!.MapAsync(MappingProtocol.Udp, 9977, 9977, Lease, Token);

        Assert.True(udp.Succeeded);
        Assert.Equal(0, Assert.Single(gateway.Active).LeaseSeconds);
    }

    [Fact]
    public async Task Upnp_broken_xml_is_a_failure_with_a_reason()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.Garbage);
        using var http = new HttpClient();

        var (client, error) = await UpnpIgdClient.DiscoverAsync(gateway.SsdpEndPoint, http, Timeout, Token);

        Assert.Null(client);
        Assert.Contains("not well-formed XML", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upnp_without_an_ssdp_answer_fails_within_the_timeout()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.Silent);
        using var http = new HttpClient();
        var watch = Stopwatch.StartNew();

        var (client, error) = await UpnpIgdClient.DiscoverAsync(gateway.SsdpEndPoint, http, TimeSpan.FromSeconds(1), Token);

        Assert.Null(client);
        Assert.StartsWith("UPnP: no SSDP answer", error, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Ssdp_answers_pointing_elsewhere_than_the_responder_are_not_followed()
    {
        var answer = "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nLOCATION: http://198.51.100.1:80/desc.xml\r\n\r\n"u8;

        Assert.Null(SsdpSearch.Parse(answer, IPAddress.Loopback));
        Assert.NotNull(SsdpSearch.Parse(answer, IPAddress.Parse("198.51.100.1")));
    }

    [Theory]
    [InlineData("203.0.113.9", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("100.64.1.1", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    public void Only_public_unicast_addresses_count_as_ours(string address, bool isPublic) =>
        Assert.Equal(isPublic, GatewayAddresses.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void The_default_gateway_is_read_from_the_route_table()
    {
        var table = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(table,
            [
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0",
                "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
            ]);
            Assert.Equal(IPAddress.Parse("192.168.1.1"), GatewayAddresses.DefaultGateway(table));
        }
        finally
        {
            File.Delete(table);
        }
    }
}
