using BlogSemanticIndex.Storage;
using Npgsql;

namespace BlogSemanticIndex.TestSupport;

/// <summary>
/// A schema of its own in the test database, so tests never share tables; dropped on dispose.
/// The database comes from BSI_TEST_PG (default: the role and database scripts/setup.sh creates).
/// </summary>
public sealed class TestIndexDatabase : IAsyncDisposable
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Database=bsi_test;Username=bsi;Password=bsi";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("BSI_TEST_PG") is { Length: > 0 } value ? value : DefaultConnectionString;

    public string Schema { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    private TestIndexDatabase(string schema)
    {
        Schema = schema;
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = $"{schema},public" }.ConnectionString;
        DataSource = IndexDataSource.Create(ConnectionString);
    }

    /// <summary>An empty schema; with <paramref name="migrate"/>, the product's migrations applied.</summary>
    public static async Task<TestIndexDatabase> CreateAsync(bool migrate = true)
    {
        var schema = $"t_{Guid.NewGuid():N}"[..20];
        await using (var admin = IndexDataSource.Create(ServerConnectionString))
        {
            await using var command = admin.CreateCommand($"CREATE SCHEMA {schema}");
            await command.ExecuteNonQueryAsync();
        }
        var database = new TestIndexDatabase(schema);
        if (migrate)
        {
            await database.CreateMigrationRunner().MigrateAsync();
        }
        return database;
    }

    public MigrationRunner CreateMigrationRunner(string? migrationsPath = null) =>
        new(DataSource, migrationsPath ?? new IndexStoreOptions().ResolveMigrationsPath());

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using var admin = IndexDataSource.Create(ServerConnectionString);
        await using var command = admin.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}
