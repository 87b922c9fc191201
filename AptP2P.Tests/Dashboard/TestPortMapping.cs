using AptP2P.Engine.PortMapping;

namespace AptP2P.Tests.Dashboard;

/// <summary>Port mapping as a test sets it.</summary>
internal sealed class TestPortMapping : IPortMappingStatus
{
    public PortMappingStatus Current { get; set; } = new(false, null, null, null, null, null, null, null, null);

    public PortMappingStatus Status() => Current;

    public int? ExternalTcpPort => Current.ExternalTcpPort;
}
