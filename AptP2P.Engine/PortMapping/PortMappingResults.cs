using System.Net;

namespace AptP2P.Engine.PortMapping;

/// <summary>The transport a mapping forwards.</summary>
public enum MappingProtocol
{
    Tcp,
    Udp,
}

/// <summary>A mapping the gateway granted: our internal port forwarded from its external port for a lifetime.</summary>
public sealed record GatewayMapping(MappingProtocol Protocol, int InternalPort, int ExternalPort, TimeSpan Lifetime);

/// <summary>
/// The answer to a map or delete request: the mapping, or why not. <see cref="UnsupportedVersion"/> means a PCP request
/// reached a NAT-PMP-only gateway, so the caller falls back to NAT-PMP.
/// </summary>
public sealed record MappingResult(GatewayMapping? Mapping, string? Error, IPAddress? ExternalAddress = null, bool UnsupportedVersion = false)
{
    public static MappingResult Fail(string error) => new(null, error);

    public bool Succeeded => Error is null;
}

/// <summary>The gateway's external address, or why it is not known.</summary>
public sealed record AddressResult(IPAddress? Address, string? Error)
{
    public static AddressResult Fail(string error) => new(null, error);
}

/// <summary>One way of asking a gateway for mappings (PCP, NAT-PMP, UPnP IGD).</summary>
public interface IPortMapper
{
    /// <summary>"PCP", "NAT-PMP" or "UPnP".</summary>
    string Name { get; }

    /// <summary>The address of the gateway asked.</summary>
    IPAddress Gateway { get; }

    Task<MappingResult> MapAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, TimeSpan lifetime, CancellationToken cancellationToken);

    Task<MappingResult> DeleteAsync(GatewayMapping mapping, CancellationToken cancellationToken);

    Task<AddressResult> GetExternalAddressAsync(CancellationToken cancellationToken);
}
