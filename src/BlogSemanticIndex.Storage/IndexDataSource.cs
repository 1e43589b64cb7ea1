using Npgsql;
using Pgvector.Npgsql;

namespace BlogSemanticIndex.Storage;

public static class IndexDataSource
{
    /// <summary>Builds the one data source the process shares, with pgvector's types mapped.</summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException(
                $"{IndexStoreOptions.SectionName}:ConnectionString is empty; set it in appsettings.json or BSI__IndexStore__ConnectionString.");
        }
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        return builder.Build();
    }

    /// <summary>
    /// One line a person can act on for a failure to reach the index database, instead of a stack trace.
    /// </summary>
    public static string DescribeConnectionFailure(string connectionString, Exception error)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        var where = $"{csb.Username}@{csb.Host}:{csb.Port}/{csb.Database}";
        return error switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"cannot log in to the index database {where}: wrong password for role \"{csb.Username}\"",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
                $"cannot log in to the index database {where}: {pg.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"the index database {where} does not exist (run scripts/setup.sh or create it)",
            PostgresException pg => $"index database {where} refused: {pg.MessageText} ({pg.SqlState})",
            NpgsqlException { InnerException: System.Net.Sockets.SocketException se } =>
                $"cannot reach the index database {where}: {se.Message}",
            NpgsqlException or TimeoutException => $"cannot reach the index database {where}: {error.Message}",
            _ => $"index database {where}: {error.Message}",
        };
    }
}
