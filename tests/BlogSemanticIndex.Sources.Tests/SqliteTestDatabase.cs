using System.Data.Common;
using BlogSemanticIndex.Demo;
using Microsoft.Data.Sqlite;

namespace BlogSemanticIndex.Sources.Tests;

/// <summary>A temporary SQLite file of its own, deleted at the end.</summary>
internal sealed class SqliteTestDatabase : TypechoTestDatabase
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"typecho_t_{Guid.NewGuid():N}.db");

    public override BlogProvider Provider => BlogProvider.Sqlite;

    public override string OwnerConnectionString => new SqliteConnectionStringBuilder { DataSource = Path }.ConnectionString;

    public static Task<SqliteTestDatabase> CreateAsync() => Task.FromResult(new SqliteTestDatabase());

    public override Task CreateSchemaAsync(string prefix = "typecho_", string? charset = null)
    {
        using var connection = new SqliteConnection(OwnerConnectionString);
        connection.Open();
        TypechoSqliteSchema.Create(connection, prefix);
        return Task.CompletedTask;
    }

    protected override async Task<DbConnection> OpenOwnerConnectionAsync()
    {
        var connection = new SqliteConnection(OwnerConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
