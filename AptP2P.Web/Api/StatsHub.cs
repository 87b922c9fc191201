using AptP2P.Engine.Stats;
using Microsoft.AspNetCore.SignalR;

namespace AptP2P.Web.Api;

/// <summary>
/// <c>/hubs/stats</c>: the dashboard's live statistics for clients outside the page (scripts, other dashboards). The dashboard's
/// own pages do not use it: they run on the Blazor circuit and read the same feed in process.
/// </summary>
public sealed class StatsHub(IStatisticsFeed feed) : Hub
{
    /// <summary>Streams the current snapshot, then each update (a few a second at most) until the client stops the stream.</summary>
    public IAsyncEnumerable<NodeStatistics> Watch(CancellationToken cancellationToken) => feed.WatchAsync(cancellationToken);

    /// <summary>The throughput of the last minutes, oldest first, to draw a chart before the first update arrives.</summary>
    public IReadOnlyList<ThroughputSample> GetThroughputHistory() => feed.History;
}
