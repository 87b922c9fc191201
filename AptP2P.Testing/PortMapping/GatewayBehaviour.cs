namespace AptP2P.Testing.PortMapping;

/// <summary>How a <see cref="TestGateway"/> answers.</summary>
public enum GatewayBehaviour
{
    /// <summary>PCP, NAT-PMP and UPnP answer as the RFCs and the IGD spec say, granting the port asked for.</summary>
    Good,

    /// <summary>Nothing is ever answered (PCP/NAT-PMP, SSDP).</summary>
    Silent,

    /// <summary>PCP/NAT-PMP answer random bytes; SSDP answers, but the description and SOAP answers are broken XML.</summary>
    Garbage,

    /// <summary>Every protocol reports <see cref="TestGateway.LyingAddress"/> (10.1.2.3 unless changed) as the external address.</summary>
    LyingAddress,

    /// <summary>PCP/NAT-PMP grant another external port; UPnP refuses the port asked for with 718 ConflictInMappingEntry.</summary>
    OtherPort,

    /// <summary>PCP is answered with UNSUPP_VERSION in NAT-PMP's format (a NAT-PMP-only gateway); NAT-PMP works.</summary>
    PcpUnsupported,

    /// <summary>PCP/NAT-PMP silent; UPnP works.</summary>
    UpnpOnly,

    /// <summary>PCP/NAT-PMP work; SSDP silent.</summary>
    PcpOnly,
}

/// <summary>One request the gateway granted or a deletion, as it recorded it.</summary>
public sealed record GatewayRequest(string Via, AptP2P.Engine.PortMapping.MappingProtocol Protocol, int InternalPort, int ExternalPort, int LeaseSeconds,
    bool Deleted, DateTimeOffset At);
