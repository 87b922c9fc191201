using AptP2P.Engine.Apt.Trust;

namespace AptP2P.Web.Api;

/// <summary><c>/api/archives</c>: every archive the node has read a Release of, with what its signature said.</summary>
public static class ArchivesApi
{
    public static RouteGroupBuilder MapArchivesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/archives", ListAsync).WithName("ListArchives").WithTags("Archives")
            .WithSummary("Archives (mirror + suite), their signature state (verified, unknown-key, bad, unsigned), signing key, Release date and files learned");
        return api;
    }

    internal static async Task<IReadOnlyList<ArchiveStatus>> ListAsync(IArchiveCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.ListAsync(cancellationToken);
}
