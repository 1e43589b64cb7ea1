using BlogSemanticIndex.Storage;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Storage.Tests;

public sealed class MigrationRunnerTests : IAsyncLifetime
{
    private TestIndexDatabase _database = null!;
    private readonly string _migrations = Directory.CreateTempSubdirectory("bsi-migrations-").FullName;

    public async Task InitializeAsync()
    {
        _database = await TestIndexDatabase.CreateAsync(migrate: false);
        foreach (var file in Directory.EnumerateFiles(new IndexStoreOptions().ResolveMigrationsPath(), "*.sql"))
        {
            File.Copy(file, Path.Combine(_migrations, Path.GetFileName(file)));
        }
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_migrations, recursive: true);
    }

    [Fact]
    public async Task Applies_every_migration_to_an_empty_schema_in_order()
    {
        var runner = _database.CreateMigrationRunner(_migrations);

        var applied = await runner.MigrateAsync();

        Assert.Equal(runner.ReadMigrations().Select(m => m.Version), applied.Select(m => m.Version));
        foreach (var table in new[] { "posts", "chunks", "chunk_embeddings", "encoder_models", "whitening_models", "active_index", "index_state" })
        {
            Assert.True(await ScalarAsync<bool>($"SELECT to_regclass('{_database.Schema}.{table}') IS NOT NULL"), $"table {table} missing");
        }
        // pgvector's type and cosine operator resolve through the schema's search path.
        Assert.Equal(0.0, await ScalarAsync<double>("SELECT '[1,2,3]'::vector <=> '[2,4,6]'::vector"), 6);
    }

    [Fact]
    public async Task Reapplying_is_a_no_op()
    {
        var runner = _database.CreateMigrationRunner(_migrations);
        await runner.MigrateAsync();
        var before = await runner.ReadAppliedAsync();

        var second = await runner.MigrateAsync();

        Assert.Empty(second);
        Assert.Equal(before, await runner.ReadAppliedAsync());
    }

    [Fact]
    public async Task An_edited_applied_migration_is_refused_with_its_name()
    {
        var runner = _database.CreateMigrationRunner(_migrations);
        await runner.MigrateAsync();
        var first = Path.Combine(_migrations, runner.ReadMigrations()[0].FileName);
        await File.AppendAllTextAsync(first, "\nCREATE TABLE sneaky (id int);\n");

        var error = await Assert.ThrowsAsync<MigrationException>(() => runner.MigrateAsync());

        Assert.Contains(Path.GetFileName(first), error.Message);
        Assert.Contains("edited", error.Message);
        Assert.False(await ScalarAsync<bool>($"SELECT to_regclass('{_database.Schema}.sneaky') IS NOT NULL"));
    }

    [Fact]
    public async Task Line_ending_changes_are_not_edits()
    {
        var runner = _database.CreateMigrationRunner(_migrations);
        await runner.MigrateAsync();
        var first = Path.Combine(_migrations, runner.ReadMigrations()[0].FileName);
        await File.WriteAllTextAsync(first, (await File.ReadAllTextAsync(first)).Replace("\n", "\r\n"));

        Assert.Empty(await runner.MigrateAsync());
    }

    [Fact]
    public async Task A_type_a_migration_creates_is_usable_through_the_same_data_source_at_once()
    {
        // As V001's vector on a server where the role may create the extension (a fresh pgvector container): the
        // data source has read the server's types on its first connection, before the migration created this one.
        var runner = _database.CreateMigrationRunner(_migrations);
        await runner.MigrateAsync();
        var next = runner.ReadMigrations()[^1].Version + 1;
        await File.WriteAllTextAsync(Path.Combine(_migrations, $"V{next:D3}__mood.sql"), "CREATE TYPE mood AS ENUM ('calm', 'busy');\n");

        await runner.MigrateAsync();

        await using var command = _database.DataSource.CreateCommand("SELECT @m::text");
        command.Parameters.Add(new NpgsqlParameter { ParameterName = "m", DataTypeName = "mood", Value = "busy" });
        Assert.Equal("busy", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_failing_migration_applies_nothing_of_itself_and_is_not_recorded()
    {
        var runner = _database.CreateMigrationRunner(_migrations);
        await runner.MigrateAsync();
        var next = runner.ReadMigrations()[^1].Version + 1;
        await File.WriteAllTextAsync(Path.Combine(_migrations, $"V{next:D3}__broken.sql"),
            "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n");

        var error = await Assert.ThrowsAsync<MigrationException>(() => runner.MigrateAsync());

        Assert.Contains("broken", error.Message);
        Assert.False(await ScalarAsync<bool>($"SELECT to_regclass('{_database.Schema}.half_done') IS NOT NULL"));
        Assert.DoesNotContain(await runner.ReadAppliedAsync(), a => a.Version == next);
    }

    [Fact]
    public async Task Concurrent_runners_apply_each_migration_once()
    {
        var runners = Enumerable.Range(0, 3).Select(_ => _database.CreateMigrationRunner(_migrations)).ToList();

        var results = await Task.WhenAll(runners.Select(r => r.MigrateAsync()));

        Assert.Equal(runners[0].ReadMigrations().Count, results.Sum(r => r.Count));
        Assert.Equal(runners[0].ReadMigrations().Count, (await runners[0].ReadAppliedAsync()).Count);
    }

    [Fact]
    public void A_badly_named_file_is_refused()
    {
        File.WriteAllText(Path.Combine(_migrations, "002-extra.sql"), "SELECT 1;");

        var error = Assert.Throws<MigrationException>(() => _database.CreateMigrationRunner(_migrations).ReadMigrations());

        Assert.Contains("002-extra.sql", error.Message);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
