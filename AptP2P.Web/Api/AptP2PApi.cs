namespace AptP2P.Web.Api;

/// <summary>The REST API under <c>/api</c>; who may use it is decided before routing, by <c>AdminAccessMiddleware</c>.</summary>
public static class AptP2PApi
{
    public static IEndpointRouteBuilder MapAptP2PApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapStatisticsApi();
        api.MapCacheApi();
        api.MapArchivesApi();
        api.MapSettingsApi();
        api.MapDhtApi();
        api.MapDiscoveryApi();
        api.MapPortMappingApi();
        return endpoints;
    }
}
