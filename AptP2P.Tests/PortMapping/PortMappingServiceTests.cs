using System.Diagnostics;
using AptP2P.Engine.Node;
using AptP2P.Engine.Peers;
using AptP2P.Engine.PortMapping;
using AptP2P.Testing.PortMapping;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AptP2P.Tests.PortMapping;

/// <summary><see cref="PortMappingService"/> against <see cref="TestGateway"/> on loopback (never the machine's real gateway).</summary>
public sealed class PortMappingServiceTests
{
    private const int HttpPort = 41977;
    private const int DhtPort = 41978;
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Maps_both_ports_in_the_background_and_deletes_them_at_stop_within_a_second()
    {
        await using var gateway = new TestGateway();
        var (service, _) = Create(gateway);
        await using var _ = service;

        var started = Stopwatch.StartNew();
        await service.StartAsync(Token);
        await EventuallyAsync(() => service.Status().Protocol is not null);
        var mappedAfter = started.Elapsed;

        var status = service.Status();
        Assert.Contains(status.Protocol, new[] { "PCP", "UPnP" });
        Assert.Equal("127.0.0.1", status.Gateway);
        Assert.Equal("203.0.113.9", status.ExternalAddress);
        Assert.Equal((HttpPort, DhtPort), (status.ExternalTcpPort, status.ExternalUdpPort));
        Assert.Null(status.LastError);
        Assert.Equal(HttpPort, service.ExternalTcpPort);
        await EventuallyAsync(() => gateway.Active.Count == 2);

        var watch = Stopwatch.StartNew();
        await service.StopAsync(new CancellationToken(canceled: true));
        TestContext.Current.TestOutputHelper?.WriteLine($"mapped after {mappedAfter.TotalMilliseconds:0} ms by {status.Protocol}; deleted at stop in {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
        Assert.Empty(gateway.Active);
        Assert.Null(service.Status().Protocol);
    }

    [Fact]
    public async Task Renews_at_half_the_lease()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.PcpOnly);
        var (service, _) = Create(gateway, o => o.LeaseSeconds = 4);
        await using var _ = service;

        await service.StartAsync(Token);
        await EventuallyAsync(() => gateway.Requests.Count(r => r.Protocol == MappingProtocol.Tcp && !r.Deleted) >= 3, TimeSpan.FromSeconds(8));

        var grants = gateway.Requests.Where(r => r.Protocol == MappingProtocol.Tcp && !r.Deleted).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"tcp grants {string.Join(", ", grants.Skip(1).Select((g, i) => $"{(g.At - grants[i].At).TotalMilliseconds:0} ms"))} apart with a 4 s lease");
        Assert.All(grants, g => Assert.Equal(4, g.LeaseSeconds));
        Assert.InRange(grants[1].At - grants[0].At, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));
        Assert.Equal(2, gateway.Active.Count);
        Assert.True(service.Status().LeaseExpires > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Switched_off_live_deletes_the_mappings_and_on_again_maps_them()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.UpnpOnly);
        var (service, options) = Create(gateway);
        await using var _ = service;
        await service.StartAsync(Token);
        await EventuallyAsync(() => gateway.Active.Count == 2 && service.Status().Protocol is not null);
        Assert.Equal("UPnP", service.Status().Protocol);

        options.Set(o => o.Enabled = false);
        await EventuallyAsync(() => gateway.Active.Count == 0);
        Assert.False(service.Status().Enabled);
        Assert.Null(service.ExternalTcpPort);

        options.Set(o => o.Enabled = true);
        await EventuallyAsync(() => gateway.Active.Count == 2 && service.Status().Protocol is not null);
        await service.StopAsync(Token);
    }

    [Fact]
    public async Task A_nat_pmp_only_gateway_is_mapped_by_nat_pmp()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.PcpUnsupported);
        // UPnP answers too; pointing SSDP at a closed port leaves NAT-PMP the only protocol that answers.
        var (service, _) = Create(gateway, o => o.SsdpEndPoint = "127.0.0.1:9");
        await using var _ = service;

        await service.StartAsync(Token);
        await EventuallyAsync(() => service.Status().Protocol is not null);

        Assert.Equal("NAT-PMP", service.Status().Protocol);
        Assert.Equal(2, gateway.Active.Count(a => a.Via == "NAT-PMP"));
    }

    [Theory]
    [InlineData(GatewayBehaviour.Silent, "no answer from")]
    [InlineData(GatewayBehaviour.Garbage, "not an answer")]
    public async Task A_silent_or_garbage_gateway_does_not_delay_start_and_the_status_says_why(GatewayBehaviour behaviour, string reason)
    {
        await using var gateway = new TestGateway(behaviour);
        var (service, _) = Create(gateway, o => o.TimeoutSeconds = 1);
        await using var _ = service;

        var watch = Stopwatch.StartNew();
        await service.StartAsync(Token);
        var startTook = watch.Elapsed;
        Assert.InRange(startTook, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        await EventuallyAsync(() => service.Status().LastError is not null);

        var status = service.Status();
        Assert.Null(status.Protocol);
        Assert.Contains(reason, status.LastError, StringComparison.Ordinal);
        Assert.Contains("UPnP", status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.LastAttempt);
        Assert.Null(service.ExternalTcpPort);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        TestContext.Current.TestOutputHelper?.WriteLine($"StartAsync returned in {startTook.TotalMilliseconds:0.0} ms; status said why after {watch.Elapsed.TotalMilliseconds:0} ms: {status.LastError}");
        watch.Restart();
        await service.StopAsync(Token);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("0.0.0.0")]
    public async Task A_private_external_address_is_reported_as_double_nat_and_not_used(string lie)
    {
        await using var gateway = new TestGateway(GatewayBehaviour.LyingAddress) { LyingAddress = System.Net.IPAddress.Parse(lie) };
        var (service, _) = Create(gateway);
        await using var _ = service;

        await service.StartAsync(Token);
        await EventuallyAsync(() => service.Status().Protocol is not null);

        var status = service.Status();
        Assert.StartsWith("the gateway's external address is private: double NAT", status.LastError, StringComparison.Ordinal);
        Assert.Contains(lie, status.LastError, StringComparison.Ordinal);
        Assert.Null(status.ExternalAddress);
        Assert.Null(service.ExternalTcpPort);
    }

    [Fact]
    public async Task Another_external_port_from_the_gateway_is_the_one_announced()
    {
        await using var gateway = new TestGateway(GatewayBehaviour.OtherPort);
        var (service, _) = Create(gateway, o => o.SsdpEndPoint = "127.0.0.1:9");
        await using var _ = service;

        await service.StartAsync(Token);
        await EventuallyAsync(() => service.ExternalTcpPort is not null);

        Assert.Equal(TestGateway.OtherPortFor(HttpPort), service.ExternalTcpPort);
        Assert.Equal(TestGateway.OtherPortFor(DhtPort), service.Status().ExternalUdpPort);
        Assert.Equal(TestGateway.OtherPortFor(HttpPort), Announcer.AnnouncedPort(HttpPort, service.ExternalTcpPort));
    }

    [Fact]
    public async Task Waits_for_the_ports_to_be_known_before_asking()
    {
        await using var gateway = new TestGateway();
        var endpoints = new NodeEndpoints();
        var (service, _) = Create(gateway, endpoints: endpoints);
        await using var _ = service;

        await service.StartAsync(Token);
        await Task.Delay(300, Token);
        Assert.Empty(gateway.Requests);
        endpoints.RecordHttpPort(HttpPort);
        endpoints.RecordDhtPort(DhtPort);
        await EventuallyAsync(() => gateway.Active.Count == 2 && service.Status().Protocol is not null);
    }

    [Theory]
    [InlineData(9977, null, 9977)]
    [InlineData(9977, 9977, 9977)]
    [InlineData(9977, 40001, 40001)]
    public void The_announcer_announces_the_external_port_when_it_differs(int httpPort, int? external, int announced) =>
        Assert.Equal(announced, Announcer.AnnouncedPort(httpPort, external));

    private static (PortMappingService, MutableOptions<PortMappingOptions>) Create(TestGateway gateway, Action<PortMappingOptions>? configure = null,
        NodeEndpoints? endpoints = null)
    {
        var settings = new PortMappingOptions
        {
            Gateway = gateway.PcpEndPoint.Address.ToString(),
            GatewayPort = gateway.PcpEndPoint.Port,
            SsdpEndPoint = gateway.SsdpEndPoint.ToString(),
            TimeoutSeconds = 2,
        };
        configure?.Invoke(settings);
        if (endpoints is null)
        {
            endpoints = new NodeEndpoints();
            endpoints.RecordHttpPort(HttpPort);
            endpoints.RecordDhtPort(DhtPort);
        }
        var options = new MutableOptions<PortMappingOptions>(settings);
        return (new PortMappingService(options, endpoints, TimeProvider.System, NullLogger<PortMappingService>.Instance), options);
    }

    private static async Task EventuallyAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20, Token);
        }
    }
}

/// <summary>Options a test changes, telling the listeners as configuration reload would.</summary>
internal sealed class MutableOptions<T>(T value) : IOptionsMonitor<T> where T : class
{
    private readonly List<Action<T, string?>> _listeners = [];

    public T CurrentValue { get; private set; } = value;

    public T Get(string? name) => CurrentValue;

    public void Set(Action<T> change)
    {
        change(CurrentValue);
        foreach (var listener in _listeners.ToList())
            listener(CurrentValue, null);
    }

    public IDisposable? OnChange(Action<T, string?> listener)
    {
        _listeners.Add(listener);
        return null;
    }
}
