using AptP2P.Engine.Discovery;

namespace AptP2P.Tests.Dashboard;

/// <summary>Local discovery as a test sets it: <see cref="Current"/> is what the dashboard reads next.</summary>
internal sealed class TestDiscovery : IDiscoveryStatus
{
    public DiscoveryStatus Current { get; set; } = SampleStatistics.LanStatus();

    public DiscoveryStatus Status() => Current;
}
