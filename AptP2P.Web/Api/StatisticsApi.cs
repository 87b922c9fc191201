using AptP2P.Engine.Stats;

namespace AptP2P.Web.Api;

/// <summary>The answer of <c>GET /api/transfers</c>: running transfers (oldest first) and finished ones (newest first).</summary>
public sealed record TransfersResponse(IReadOnlyList<TransferStatus> Active, IReadOnlyList<TransferStatus> Recent);

/// <summary><c>/api/stats</c>, <c>/api/transfers</c>, <c>/api/peers</c>: the same snapshot the dashboard shows, as JSON.</summary>
public static class StatisticsApi
{
    public static RouteGroupBuilder MapStatisticsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stats", GetStatistics).WithName("GetStatistics").WithTags("Statistics")
            .WithSummary("Traffic since start and today, transfers, peers, cache and DHT at a glance");
        api.MapGet("/stats/throughput", GetThroughput).WithName("GetThroughput").WithTags("Statistics")
            .WithSummary("Bytes per second by source, one sample a second for the last minutes, oldest first");
        api.MapGet("/transfers", GetTransfers).WithName("GetTransfers").WithTags("Transfers")
            .WithSummary("Running transfers with progress, speed and sources, and the recently finished ones");
        api.MapGet("/peers", GetPeers).WithName("GetPeers").WithTags("Peers")
            .WithSummary("Peers this node exchanged files with: bytes each way, score, last contact, bans");
        return api;
    }

    internal static NodeStatistics GetStatistics(IStatisticsFeed feed) => feed.Current;

    internal static IReadOnlyList<ThroughputSample> GetThroughput(IStatisticsFeed feed) => feed.History;

    internal static TransfersResponse GetTransfers(IStatisticsFeed feed)
    {
        var current = feed.Current;
        return new TransfersResponse(current.Active, current.Recent);
    }

    internal static IReadOnlyList<PeerStatus> GetPeers(IStatisticsFeed feed) => feed.Current.Peers;
}
