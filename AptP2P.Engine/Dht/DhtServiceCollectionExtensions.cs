using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht.Persistence;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.PortMapping;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AptP2P.Engine.Dht;

public static class DhtServiceCollectionExtensions
{
    /// <summary>Registers the DHT node (<see cref="IDht"/>), its options (<c>AptP2P:Dht</c>) and its persistence.</summary>
    public static IServiceCollection AddAptP2PDht(this IServiceCollection services, IConfiguration configuration)
    {
        var bootstrapKey = configuration.GetSection(DhtOptions.SectionName).GetSection(nameof(DhtOptions.BootstrapNodes));
        services.AddOptions<DhtOptions>()
            .Bind(configuration.GetSection(DhtOptions.SectionName))
            .PostConfigure(o =>
            {
                // Absent = the public routers; present but empty (AptP2P:Dht:BootstrapNodes=) = the saved table only.
                o.BootstrapNodes = bootstrapKey.Exists()
                    ? ConfigurationList.Split(o.BootstrapNodes)
                    : [.. DhtOptions.PublicRouters];
            })
            .ValidateDataAnnotations()
            .Validate(o => o.BootstrapNodes.All(BootstrapEndpoint.IsValid), "AptP2P:Dht:BootstrapNodes must list host:port entries such as router.bittorrent.com:6881")
            .ValidateOnStart();

        services.AddSingleton<DhtStateStore>();
        services.AddSingleton<DhtService>();
        services.AddHostedService(sp => sp.GetRequiredService<DhtService>());

        // Local discovery (docs/PROTOCOL-LAN.md): after the DHT, whose node id and socket it uses.
        services.AddOptions<DiscoveryOptions>()
            .Bind(configuration.GetSection(DiscoveryOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => !o.HasSwarmKey || o.SwarmKey!.Length >= DiscoveryOptions.MinSwarmKeyLength,
                $"AptP2P:Discovery:SwarmKey must be empty or at least {DiscoveryOptions.MinSwarmKeyLength} characters: a short key can be guessed from one overheard hello")
            .ValidateOnStart();
        services.AddSingleton<LanDirectory>();
        services.AddSingleton<SwarmMembership>();
        services.AddSingleton<LanDiscoveryService>();
        services.AddHostedService(sp => sp.GetRequiredService<LanDiscoveryService>());
        services.AddSingleton<IDiscoveryStatus>(sp => sp.GetRequiredService<LanDiscoveryService>());
        services.AddSingleton<LanFirstDht>();
        services.AddSingleton<IDht>(sp => sp.GetRequiredService<LanFirstDht>());

        // Port mapping on the gateway (PCP/NAT-PMP, UPnP IGD) for the HTTP and DHT ports, in the background.
        services.AddOptions<PortMappingOptions>()
            .Bind(configuration.GetSection(PortMappingOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.Gateway) || (System.Net.IPAddress.TryParse(o.Gateway, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork),
                "AptP2P:PortMapping:Gateway must be empty or an IPv4 address")
            .Validate(o => System.Net.IPEndPoint.TryParse(o.SsdpEndPoint, out var e) && e.Port != 0,
                "AptP2P:PortMapping:SsdpEndPoint must be address:port, such as 239.255.255.250:1900")
            .ValidateOnStart();
        services.AddSingleton<PortMappingService>();
        services.AddHostedService(sp => sp.GetRequiredService<PortMappingService>());
        services.AddSingleton<IPortMappingStatus>(sp => sp.GetRequiredService<PortMappingService>());
        return services;
    }
}
