using AptP2P.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Persistence;

/// <summary>Creates or upgrades the database with the EF Core migrations before anything reads it.</summary>
public sealed partial class DatabaseInitializer(IDbContextFactory<AptDb> dbFactory, ILogger<DatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        // WAL lets readers run beside the writer; it is persistent in the file, but a database created by hand starts in 'delete'.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = 'wal';", cancellationToken);
        if (pending.Count > 0)
            LogMigrated(db.Database.GetDbConnection().DataSource, string.Join(", ", pending));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Path}: applied migrations {Migrations}")]
    private partial void LogMigrated(string path, string migrations);
}
