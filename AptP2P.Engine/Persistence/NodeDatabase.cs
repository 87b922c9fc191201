using System.Runtime.CompilerServices;
using AptP2P.Engine.Configuration;
using Microsoft.Data.Sqlite;

namespace AptP2P.Engine.Persistence;

/// <summary>
/// The node's SQLite database (<see cref="DataDirectory.Database"/>) through Microsoft.Data.Sqlite. The schema is
/// <see cref="AptP2P.Data.AptDb"/>'s and its migrations', applied by <see cref="AptP2P.Data.DatabaseSchema"/>; what the
/// engine reads and writes is SQL of its own, so the node never loads Entity Framework (DESIGN.md, "Data kept").
/// </summary>
public sealed class NodeDatabase(DataDirectory directory)
{
    // Pooled connections (opening one is then a lookup), foreign keys enforced as EF Core enforces them (an index source's
    // rows go with it), and the default 30 s busy wait behind the writer.
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = directory.Database,
        ForeignKeys = true,
        Pooling = true,
    }.ToString();

    public string Path => directory.Database;

    /// <summary>An open connection of its own; dispose it to give it back to the pool.</summary>
    public async Task<DbSession> OpenAsync(CancellationToken cancellationToken)
    {
        directory.EnsureCreated();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new DbSession(connection);
    }
}

/// <summary>Columns that may be NULL, read as null.</summary>
public static class SqliteReaderExtensions
{
    public static string? GetStringOrNull(this SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    public static DateTimeOffset? GetDateTimeOffsetOrNull(this SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : reader.GetDateTimeOffset(column);

    /// <summary>A BLOB column; null for NULL, and for a value of another type a damaged row may hold.</summary>
    public static byte[]? GetBytesOrNull(this SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetValue(column) as byte[];
}

/// <summary>
/// One open connection and, inside <see cref="DatabaseWriter"/>, its transaction: small helpers so that a query reads as
/// its SQL. Parameters are positional: the <c>n</c>-th argument is <c>@pn</c> (<c>@p0</c>, <c>@p1</c>, …); null is NULL.
/// </summary>
public sealed class DbSession(SqliteConnection connection) : IAsyncDisposable
{
    public SqliteConnection Connection => connection;

    /// <summary>The transaction every command of this session runs in, once <see cref="BeginTransactionAsync"/> started it.</summary>
    public SqliteTransaction? Transaction { get; private set; }

    public async Task BeginTransactionAsync(CancellationToken cancellationToken) =>
        Transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Commits the session's transaction; commands run on their own again after it.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var transaction = Transaction ?? throw new InvalidOperationException("no transaction was begun");
        await transaction.CommitAsync(cancellationToken);
        await transaction.DisposeAsync();
        Transaction = null;
    }

    /// <summary>A command in the session's transaction with <paramref name="arguments"/> bound as <c>@p0</c>, <c>@p1</c>, ….</summary>
    public SqliteCommand Command(string sql, params object?[] arguments)
    {
        var command = connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        for (var i = 0; i < arguments.Length; i++)
            command.Parameters.AddWithValue("@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), arguments[i] ?? DBNull.Value);
        return command;
    }

    /// <summary>Runs a statement; returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] arguments)
    {
        await using var command = Command(sql, arguments);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The rows of a query, each read by <paramref name="read"/>, one at a time.</summary>
    public async IAsyncEnumerable<T> StreamAsync<T>(string sql, Func<SqliteDataReader, T> read, [EnumeratorCancellation] CancellationToken cancellationToken, params object?[] arguments)
    {
        await using var command = Command(sql, arguments);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return read(reader);
    }

    /// <summary>The rows of a query, each read by <paramref name="read"/>.</summary>
    public async Task<List<T>> ListAsync<T>(string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params object?[] arguments)
    {
        var rows = new List<T>();
        await using var command = Command(sql, arguments);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(read(reader));
        return rows;
    }

    /// <summary>The first row of a query read by <paramref name="read"/>, or <paramref name="none"/> when there is none.</summary>
    public async Task<T> FirstOrAsync<T>(string sql, Func<SqliteDataReader, T> read, T none, CancellationToken cancellationToken, params object?[] arguments)
    {
        await using var command = Command(sql, arguments);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? read(reader) : none;
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
            await Transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
