using AptP2P.Engine.Configuration;
using Microsoft.Data.Sqlite;

namespace AptP2P.Web.Operations;

/// <summary>
/// <c>GET /healthz</c>: 200 <c>ok</c> when the host is running, the database answers a query and the cache directory takes
/// a file; 503 with the first reason otherwise. Cheap enough for apt's proxy helper to ask before every host it fetches from.
/// </summary>
public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", CheckAsync).ExcludeFromDescription();
        return endpoints;
    }

    internal static async Task<IResult> CheckAsync(
        IHostApplicationLifetime lifetime, DataDirectory directory, CancellationToken cancellationToken)
    {
        var reason = HostReason(lifetime) ?? await DatabaseReasonAsync(directory, cancellationToken) ?? CacheReason(directory);
        return reason is null
            ? Results.Text("ok\n", "text/plain; charset=utf-8")
            : Results.Text($"unhealthy: {reason}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string? HostReason(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStopping.IsCancellationRequested ? "the node is stopping"
        : !lifetime.ApplicationStarted.IsCancellationRequested ? "the node is starting"
        : null;

    /// <summary>
    /// A fresh, unpooled connection reads the file's header and schema: the node's pooled connections keep pages cached
    /// (WAL), so a query through them passes while the file under them was overwritten, truncated or removed. Not created
    /// here when missing (read-write, not create).
    /// </summary>
    private static async Task<string?> DatabaseReasonAsync(DataDirectory directory, CancellationToken cancellationToken)
    {
        try
        {
            var builder = new SqliteConnectionStringBuilder { DataSource = directory.Database, Pooling = false, Mode = SqliteOpenMode.ReadWrite };
            await using var connection = new SqliteConnection(builder.ToString());
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master";
            await command.ExecuteScalarAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"the database does not answer ({ex.Message})";
        }
    }

    /// <summary>Not created here: a cache directory that vanished under the node is a fault to report, not to paper over.</summary>
    private static string? CacheReason(DataDirectory directory)
    {
        if (!Directory.Exists(directory.Cache))
            return $"the cache directory {directory.Cache} is missing";
        var probe = Path.Combine(directory.Cache, $".healthz.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the cache directory {directory.Cache} takes no file ({ex.Message})";
        }
    }
}
