namespace AptP2P.Engine.Stats;

/// <summary>The node's live statistics: the latest snapshot, a stream of the snapshots that follow, and the throughput history.</summary>
public interface IStatisticsFeed
{
    NodeStatistics Current { get; }

    /// <summary>The throughput of the last minutes, oldest first.</summary>
    IReadOnlyList<ThroughputSample> History { get; }

    /// <summary>
    /// The current snapshot first, then every later one, with no gap between them. A slow reader skips to the newest snapshot
    /// instead of queueing old ones. Ends when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    IAsyncEnumerable<NodeStatistics> WatchAsync(CancellationToken cancellationToken);
}
