namespace AptP2P.Web.Api;

/// <summary>The REST API under <c>/api</c> (the DHT's own <c>/api/dht</c> endpoints are mapped with the DHT).</summary>
public static class AptP2PApi
{
    public static IEndpointRouteBuilder MapAptP2PApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapStatisticsApi();
        api.MapCacheApi();
        api.MapSettingsApi();
        return endpoints;
    }
}
