using System.Data.Common;
using Npgsql;

namespace BlogSemanticIndex.Sources.Tests;

/// <summary>A schema <c>typecho_t_…</c> of its own in the Typecho database (BSI_TEST_TYPECHO_PG names it and the owner role).</summary>
internal sealed class PostgresTestDatabase : TypechoTestDatabase
{
    public const string DefaultServer = "Host=127.0.0.1;Username=typecho;Password=typecho;Database=typecho";

    private readonly string _server = Env("BSI_TEST_TYPECHO_PG", DefaultServer);

    public string Schema { get; } = NewName();

    public override BlogProvider Provider => BlogProvider.Postgres;

    public override string OwnerConnectionString =>
        new NpgsqlConnectionStringBuilder(_server) { SearchPath = Schema }.ConnectionString;

    public string ReaderUser { get; } = Env("BSI_TEST_READER_USER", "bsi_reader");

    public string ReaderConnectionString => new NpgsqlConnectionStringBuilder(_server)
    {
        SearchPath = Schema,
        Username = ReaderUser,
        Password = Env("BSI_TEST_READER_PASSWORD", "bsi_reader"),
    }.ConnectionString;

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var database = new PostgresTestDatabase();
        await using var connection = new NpgsqlConnection(database._server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA \"{database.Schema}\"", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    public override async Task CreateSchemaAsync(string prefix = "typecho_", string? charset = null)
    {
        await ExecuteAsync(
            $"""
            CREATE SEQUENCE "{prefix}contents_seq";
            CREATE TABLE "{prefix}contents" (
              "cid" INT NOT NULL DEFAULT nextval('{prefix}contents_seq'),
              "title" VARCHAR(150) NULL DEFAULT NULL,
              "slug" VARCHAR(150) NULL DEFAULT NULL,
              "created" INT NULL DEFAULT '0',
              "modified" INT NULL DEFAULT '0',
              "text" TEXT NULL DEFAULT NULL,
              "order" INT NULL DEFAULT '0',
              "authorId" INT NULL DEFAULT '0',
              "template" VARCHAR(32) NULL DEFAULT NULL,
              "type" VARCHAR(16) NULL DEFAULT 'post',
              "status" VARCHAR(16) NULL DEFAULT 'publish',
              "password" VARCHAR(32) NULL DEFAULT NULL,
              "commentsNum" INT NULL DEFAULT '0',
              "allowComment" CHAR(1) NULL DEFAULT '0',
              "allowPing" CHAR(1) NULL DEFAULT '0',
              "allowFeed" CHAR(1) NULL DEFAULT '0',
              "parent" INT NULL DEFAULT '0',
              PRIMARY KEY ("cid"),
              UNIQUE ("slug")
            );
            CREATE INDEX "{prefix}contents_created" ON "{prefix}contents" ("created");
            CREATE SEQUENCE "{prefix}metas_seq";
            CREATE TABLE "{prefix}metas" (
              "mid" INT NOT NULL DEFAULT nextval('{prefix}metas_seq'),
              "name" VARCHAR(150) NULL DEFAULT NULL,
              "slug" VARCHAR(150) NULL DEFAULT NULL,
              "type" VARCHAR(16) NOT NULL DEFAULT '',
              "description" VARCHAR(150) NULL DEFAULT NULL,
              "count" INT NULL DEFAULT '0',
              "order" INT NULL DEFAULT '0',
              "parent" INT NULL DEFAULT '0',
              PRIMARY KEY ("mid")
            );
            CREATE TABLE "{prefix}relationships" (
              "cid" INT NOT NULL DEFAULT '0',
              "mid" INT NOT NULL DEFAULT '0',
              PRIMARY KEY ("cid", "mid")
            );
            """);
    }

    /// <summary>What the README asks an operator to run: USAGE on the schema, SELECT on the three tables, nothing else.</summary>
    public Task GrantReaderAsync(string prefix = "typecho_") => ExecuteAsync(
        $"GRANT USAGE ON SCHEMA \"{Schema}\" TO \"{ReaderUser}\"; " +
        $"GRANT SELECT ON \"{prefix}contents\", \"{prefix}metas\", \"{prefix}relationships\" TO \"{ReaderUser}\"");

    protected override async Task<DbConnection> OpenOwnerConnectionAsync()
    {
        var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
