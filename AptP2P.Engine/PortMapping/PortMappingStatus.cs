namespace AptP2P.Engine.PortMapping;

/// <summary>What port mapping is doing, for the API: the protocol in use (null without a mapping) and the last error.</summary>
public sealed record PortMappingStatus(
    bool Enabled,
    string? Protocol,
    string? Gateway,
    string? ExternalAddress,
    int? ExternalTcpPort,
    int? ExternalUdpPort,
    DateTimeOffset? LeaseExpires,
    DateTimeOffset? LastAttempt,
    string? LastError);

/// <summary>Reads what port mapping is doing (the API, the announcer; a test double elsewhere).</summary>
public interface IPortMappingStatus
{
    PortMappingStatus Status();

    /// <summary>The external TCP port peers on the internet reach us on; null without a mapping to a public address.</summary>
    int? ExternalTcpPort { get; }
}
