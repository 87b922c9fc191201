using AptP2P.Engine.Stats;

namespace AptP2P.Tests.Dashboard;

/// <summary>A statistics feed the test drives: publish a snapshot and the pages watching it update.</summary>
internal sealed class TestStatisticsFeed(NodeStatistics initial) : IStatisticsFeed
{
    private readonly LatestValueBroadcast<NodeStatistics> _broadcast = new(initial);

    public NodeStatistics Current => _broadcast.Current;

    public IReadOnlyList<ThroughputSample> History { get; set; } = [];

    public int WatcherCount => _broadcast.WatcherCount;

    public void Publish(NodeStatistics statistics) => _broadcast.Publish(statistics);

    public IAsyncEnumerable<NodeStatistics> WatchAsync(CancellationToken cancellationToken) => _broadcast.WatchAsync(cancellationToken);
}
