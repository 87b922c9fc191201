using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AptP2P.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AptP2P.Tests.Persistence;

/// <summary>
/// The node applies EF Core's migrations from SQL scripts without EF (<see cref="DatabaseSchema"/>); these keep the scripts
/// equal to what EF generates from the migrations, and the result equal to EF's own migrator's.
/// </summary>
public sealed partial class DatabaseSchemaTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _directory = Directory.CreateTempSubdirectory("aptp2p-schema-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Every_migration_has_the_script_ef_core_generates_for_it()
    {
        using var db = Ef(Path.Combine(_directory, "generate.db"));
        var migrator = db.GetService<IMigrator>();
        var migrations = db.Database.GetMigrations().ToList();
        var previous = Migration.InitialDatabase;
        var stale = new List<string>();
        foreach (var migration in migrations)
        {
            var generated = migrator.GenerateScript(previous, migration);
            previous = migration;
            if (!DatabaseSchema.Migrations.Contains(migration) || Normalize(DatabaseSchema.ScriptOf(migration)) != Normalize(generated))
            {
                stale.Add(migration);
                if (Environment.GetEnvironmentVariable("APTP2P_WRITE_MIGRATION_SQL") == "1")
                    File.WriteAllText(Path.Combine(SqlDirectory(), migration + ".sql"), generated.Trim() + "\n");
            }
        }

        Assert.True(stale.Count == 0,
            $"AptP2P.Data/Migrations/Sql is out of step with the migrations for {string.Join(", ", stale)}: run "
            + "APTP2P_WRITE_MIGRATION_SQL=1 dotnet test AptP2P.sln --filter FullyQualifiedName~DatabaseSchemaTests, then rebuild");
        Assert.Equal(migrations, DatabaseSchema.Migrations);
    }

    [Fact]
    public async Task A_new_database_gets_the_schema_ef_cores_migrator_makes()
    {
        var ours = Path.Combine(_directory, "ours.db");
        var efs = Path.Combine(_directory, "efs.db");
        await using (var connection = await OpenAsync(ours))
            Assert.Equal(DatabaseSchema.Migrations, await DatabaseSchema.MigrateAsync(connection, Ct));
        await using (var db = Ef(efs))
            await db.Database.MigrateAsync(Ct);

        Assert.Equal(await SchemaOfAsync(efs), await SchemaOfAsync(ours));
        await using var check = Ef(ours);
        Assert.Empty(await check.Database.GetPendingMigrationsAsync(Ct));
        Assert.False(check.Database.HasPendingModelChanges(), "the model has changes no migration holds: add a migration");
    }

    [Fact]
    public async Task An_older_database_is_brought_up_to_date_with_its_rows_and_a_current_one_is_left_alone()
    {
        var path = Path.Combine(_directory, "old.db");
        var first = DatabaseSchema.Migrations[0];
        await using (var db = Ef(path))
        {
            await db.GetService<IMigrator>().MigrateAsync(first, Ct);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO IndexSources (Mirror, Path, Kind, ContentSha256, IngestedAt, EntryCount) VALUES ('m', 'dists/x/Release', 'Release', 'ab', '2026-12-01 00:00:00+00:00', 3)", Ct);
        }

        await using (var connection = await OpenAsync(path))
        {
            Assert.Equal(DatabaseSchema.Migrations.Skip(1), await DatabaseSchema.MigrateAsync(connection, Ct));
            Assert.Empty(await DatabaseSchema.MigrateAsync(connection, Ct));
        }

        await using var check = Ef(path);
        Assert.Empty(await check.Database.GetPendingMigrationsAsync(Ct));
        var source = Assert.Single(await check.IndexSources.ToListAsync(Ct));
        Assert.Equal(("m", 3, (string?)null), (source.Mirror, source.EntryCount, source.Trust));
    }

    [Fact]
    public async Task A_database_file_that_is_not_one_fails_with_sqlites_reason_and_is_not_overwritten()
    {
        var path = Path.Combine(_directory, "garbage.db");
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(path, garbage, Ct);

        var failure = await Assert.ThrowsAsync<SqliteException>(async () =>
        {
            await using var connection = await OpenAsync(path);
            await DatabaseSchema.MigrateAsync(connection, Ct);
        });

        Assert.Contains("not a database", failure.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(path, Ct));
    }

    private static AptDb Ef(string path) => new(new DbContextOptionsBuilder<AptDb>().UseSqlite($"Data Source={path};Pooling=False").Options);

    private static async Task<SqliteConnection> OpenAsync(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(Ct);
        return connection;
    }

    /// <summary>
    /// Every table, index and trigger as SQLite keeps its SQL, in name order; not EF's <c>__EFMigrationsLock</c>, which its
    /// migrator makes for itself to run alone (and makes again if it ever migrates a database of ours).
    /// </summary>
    private static async Task<List<string>> SchemaOfAsync(string path)
    {
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> '__EFMigrationsLock' ORDER BY type, name";
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
            rows.Add(reader.GetString(0));
        Assert.NotEmpty(rows);
        return rows;
    }

    /// <summary>Line ends and EF Core's own version (in each history row) do not matter.</summary>
    private static string Normalize(string script) => ProductVersion().Replace(script.ReplaceLineEndings("\n").Trim(), "'VERSION')");

    [GeneratedRegex(@"'\d+\.\d+\.\d+[^']*'\);")]
    private static partial Regex ProductVersion();

    private static string SqlDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "AptP2P.Data", "Migrations", "Sql"));
}
