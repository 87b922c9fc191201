using System.Reflection;
using Microsoft.Data.Sqlite;

namespace AptP2P.Data;

/// <summary>
/// Brings a database to the schema of <see cref="AptDb"/> without Entity Framework at run time. The schema is EF Core's
/// (the model in <see cref="AptDb"/>, its migrations under <c>Migrations/</c>); each migration is also kept as the SQL
/// script EF generates for it (<c>Migrations/Sql/ID.sql</c>, embedded), and this runs the scripts of the migrations the
/// database's <c>__EFMigrationsHistory</c> lacks, as EF's own migrator would. The node then never loads EF Core: its model
/// building and query compilation cost an idle node about 35 MB and a part of its start-up. A test keeps the scripts equal
/// to what EF generates from the migrations.
/// </summary>
public static class DatabaseSchema
{
    private const string ResourcePrefix = "Migrations/";

    /// <summary>The migrations this build knows, oldest first (their ids sort by time, as EF orders them).</summary>
    public static IReadOnlyList<string> Migrations { get; } = typeof(DatabaseSchema).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".sql".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The SQL script of one migration, as EF Core generates it (its own transaction and history row included).</summary>
    public static string ScriptOf(string migration)
    {
        using var stream = typeof(DatabaseSchema).Assembly.GetManifestResourceStream(ResourcePrefix + migration + ".sql")
            ?? throw new ArgumentException($"no script for migration '{migration}'", nameof(migration));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The migrations the database has not applied yet, oldest first.</summary>
    public static async Task<IReadOnlyList<string>> PendingAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                return Migrations;
        }
        await using (var history = connection.CreateCommand())
        {
            history.CommandText = "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"";
            await using var reader = await history.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                applied.Add(reader.GetString(0));
        }
        return Migrations.Where(m => !applied.Contains(m)).ToArray();
    }

    /// <summary>
    /// Applies the pending migrations in order, each in its own transaction (its script's); returns their ids. Migrations the
    /// history names that this build does not know (a newer version's) are left alone, as EF's migrator leaves them.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var pending = await PendingAsync(connection, cancellationToken);
        foreach (var migration in pending)
        {
            await using var command = connection.CreateCommand();
            // The history table first, as EF's migrator creates it; then the script (BEGIN … history row … COMMIT).
            command.CommandText = """
                CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
                    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
                    "ProductVersion" TEXT NOT NULL
                );
                """ + ScriptOf(migration);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch
            {
                // A script that failed midway left its transaction open on this connection: roll it back, then report.
                await using var rollback = connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                try
                {
                    await rollback.ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (SqliteException)
                {
                    // No transaction was open.
                }
                throw;
            }
        }
        return pending;
    }
}
