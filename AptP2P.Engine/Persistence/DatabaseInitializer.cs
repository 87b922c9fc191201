using AptP2P.Data;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Persistence;

/// <summary>Creates or upgrades the database (<see cref="DatabaseSchema"/>: EF Core's migrations as SQL) before anything reads it.</summary>
public sealed partial class DatabaseInitializer(NodeDatabase database, ILogger<DatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var applied = await DatabaseSchema.MigrateAsync(db.Connection, cancellationToken);
        // WAL lets readers run beside the writer; it is persistent in the file, but a database created by hand starts in 'delete'.
        await db.ExecuteAsync("PRAGMA journal_mode = 'wal'", cancellationToken);
        if (applied.Count > 0)
            LogMigrated(database.Path, string.Join(", ", applied));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Path}: applied migrations {Migrations}")]
    private partial void LogMigrated(string path, string migrations);
}
