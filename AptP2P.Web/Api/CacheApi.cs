using AptP2P.Engine;
using AptP2P.Engine.Cache;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AptP2P.Web.Api;

/// <summary><c>/api/cache</c>: the cached files, searchable and paged; one file by its SHA-256; removing one.</summary>
public static class CacheApi
{
    public const int DefaultPageSize = 50;

    public static RouteGroupBuilder MapCacheApi(this RouteGroupBuilder api)
    {
        var cache = api.MapGroup("/cache").WithTags("Cache");
        cache.MapGet("/", Search).WithName("SearchCache")
            .WithSummary("Cached files matching a package name, path or hash prefix, a page at a time")
            .WithDescription("order: recent (default), hits, size or name. page is zero-based; pageSize 1 to 500.");
        cache.MapGet("/{sha256}", Get).WithName("GetCachedFile").WithSummary("One cached file and the mirror paths it was fetched under");
        cache.MapDelete("/{sha256}", Delete).WithName("DeleteCachedFile")
            .WithSummary("Removes a file from the cache (409 while someone is reading it)");
        return api;
    }

    internal static Results<Ok<CachePage>, ProblemHttpResult> Search(ICacheCatalog catalog, string? q = null, string? order = null, int page = 0,
        int pageSize = DefaultPageSize)
    {
        var sort = CacheOrder.Recent;
        if (!string.IsNullOrEmpty(order) && (!Enum.TryParse(order, ignoreCase: true, out sort) || !Enum.IsDefined(sort)))
            return BadRequest($"order must be one of {string.Join(", ", Enum.GetNames<CacheOrder>().Select(n => n.ToLowerInvariant()))}.");
        if (page < 0)
            return BadRequest("page must be 0 or more.");
        if (pageSize is < 1 or > CacheCatalog.MaxPageSize)
            return BadRequest($"pageSize must be between 1 and {CacheCatalog.MaxPageSize}.");
        return TypedResults.Ok(catalog.Search(q, sort, page, pageSize));
    }

    internal static Results<Ok<CatalogFile>, ProblemHttpResult> Get(string sha256, ICacheCatalog catalog)
    {
        if (!ContentHash.TryParse(sha256, out var hash))
            return MalformedHash();
        return catalog.Find(hash) is { } file ? TypedResults.Ok(file) : NotCached(sha256);
    }

    internal static Results<NoContent, ProblemHttpResult> Delete(string sha256, ICacheCatalog catalog)
    {
        if (!ContentHash.TryParse(sha256, out var hash))
            return MalformedHash();
        return catalog.Remove(hash) switch
        {
            CacheRemoval.Removed => TypedResults.NoContent(),
            CacheRemoval.InUse => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "File in use",
                detail: "Someone is reading this file right now; try again when the download has finished."),
            _ => NotCached(sha256),
        };
    }

    private static ProblemHttpResult MalformedHash() => BadRequest("The file is named by its SHA-256: 64 hexadecimal digits.");

    private static ProblemHttpResult NotCached(string sha256) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not in the cache", detail: $"No cached file has SHA-256 {sha256}.");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}
