using System.Data.Common;
using MySqlConnector;

namespace BlogSemanticIndex.Sources.Tests;

/// <summary>A MariaDB/MySQL database <c>typecho_t_…</c> of its own (BSI_TEST_MYSQL names the server and the owner account).</summary>
internal sealed class MySqlTestDatabase : TypechoTestDatabase
{
    public const string DefaultServer = "Server=127.0.0.1;Port=3306;User ID=typecho;Password=typecho;";

    private readonly string _server = Env("BSI_TEST_MYSQL", DefaultServer);

    public string Database { get; } = NewName();

    public override BlogProvider Provider => BlogProvider.MySql;

    public override string OwnerConnectionString =>
        new MySqlConnectionStringBuilder(_server) { Database = Database }.ConnectionString;

    /// <summary>The least-privilege account (BSI_TEST_READER_USER / BSI_TEST_READER_PASSWORD, default bsi_reader).</summary>
    public string ReaderConnectionString => new MySqlConnectionStringBuilder(_server)
    {
        Database = Database,
        UserID = Env("BSI_TEST_READER_USER", "bsi_reader"),
        Password = Env("BSI_TEST_READER_PASSWORD", "bsi_reader"),
    }.ConnectionString;

    public static async Task<MySqlTestDatabase> CreateAsync()
    {
        var database = new MySqlTestDatabase();
        await using var connection = new MySqlConnection(database._server);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE `{database.Database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
        await command.ExecuteNonQueryAsync();
        return database;
    }

    /// <param name="charset">Table charset: utf8mb4 by default; <c>utf8</c> (3-byte) is what older Typecho installs have.</param>
    public override async Task CreateSchemaAsync(string prefix = "typecho_", string? charset = null)
    {
        charset ??= "utf8mb4";
        await ExecuteAsync(
            $"""
            CREATE TABLE `{prefix}contents` (
              `cid` int(10) unsigned NOT NULL AUTO_INCREMENT,
              `title` varchar(150) DEFAULT NULL,
              `slug` varchar(150) DEFAULT NULL,
              `created` int(10) unsigned DEFAULT 0,
              `modified` int(10) unsigned DEFAULT 0,
              `text` longtext,
              `order` int(10) unsigned DEFAULT 0,
              `authorId` int(10) unsigned DEFAULT 0,
              `template` varchar(32) DEFAULT NULL,
              `type` varchar(16) DEFAULT 'post',
              `status` varchar(16) DEFAULT 'publish',
              `password` varchar(32) DEFAULT NULL,
              `commentsNum` int(10) unsigned DEFAULT 0,
              `allowComment` char(1) DEFAULT '0',
              `allowPing` char(1) DEFAULT '0',
              `allowFeed` char(1) DEFAULT '0',
              `parent` int(10) unsigned DEFAULT 0,
              PRIMARY KEY (`cid`),
              UNIQUE KEY `slug` (`slug`),
              KEY `created` (`created`)
            ) ENGINE=InnoDB DEFAULT CHARSET={charset}
            """);
        await ExecuteAsync(
            $"""
            CREATE TABLE `{prefix}metas` (
              `mid` int(10) unsigned NOT NULL AUTO_INCREMENT,
              `name` varchar(150) DEFAULT NULL,
              `slug` varchar(150) DEFAULT NULL,
              `type` varchar(32) NOT NULL,
              `description` varchar(150) DEFAULT NULL,
              `count` int(10) unsigned DEFAULT 0,
              `order` int(10) unsigned DEFAULT 0,
              `parent` int(10) unsigned DEFAULT 0,
              PRIMARY KEY (`mid`),
              KEY `slug` (`slug`)
            ) ENGINE=InnoDB DEFAULT CHARSET={charset}
            """);
        await ExecuteAsync(
            $"""
            CREATE TABLE `{prefix}relationships` (
              `cid` int(10) unsigned NOT NULL,
              `mid` int(10) unsigned NOT NULL,
              PRIMARY KEY (`cid`, `mid`)
            ) ENGINE=InnoDB DEFAULT CHARSET={charset}
            """);
    }

    protected override async Task<DbConnection> OpenOwnerConnectionAsync()
    {
        var connection = new MySqlConnection(OwnerConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await using var connection = new MySqlConnection(_server);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS `{Database}`";
        await command.ExecuteNonQueryAsync();
    }
}
