using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.PortMapping;

/// <summary>
/// The <c>AptP2P:PortMapping</c> section: ask the gateway to forward our TCP (HTTP) and UDP (DHT) port, by PCP/NAT-PMP
/// (RFC 6887/6886) or UPnP IGD. <see cref="Enabled"/> applies live.
/// </summary>
public sealed class PortMappingOptions
{
    public const string SectionName = "AptP2P:PortMapping";

    /// <summary>Map our ports on the gateway; switched off, the mappings made are deleted.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lease asked for; the mapping is renewed at half the lease the gateway grants.</summary>
    [Range(2, 7 * 24 * 3600)]
    public int LeaseSeconds { get; set; } = 7200;

    /// <summary>The gateway's IPv4 address for PCP/NAT-PMP; empty means the default route's gateway (<c>/proc/net/route</c>).</summary>
    [MaxLength(64)]
    public string? Gateway { get; set; }

    /// <summary>The gateway's PCP/NAT-PMP UDP port (5351 by the RFCs; tests point it at a gateway of their own).</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 5351;

    /// <summary>Where SSDP searches go (<c>address:port</c>): the UPnP multicast group, or a unicast address in tests.</summary>
    [Required]
    [MaxLength(64)]
    public string SsdpEndPoint { get; set; } = "239.255.255.250:1900";

    /// <summary>Bound of one whole attempt (every exchange of one protocol for both ports).</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;
}
