using System.Data.Common;
using System.Net;
using Npgsql;
using Pgvector.Npgsql;

namespace BlogSemanticIndex.Storage;

public static class IndexDataSource
{
    /// <summary>
    /// Builds the one data source the process shares, with pgvector's types mapped, and without TLS to a server on this
    /// machine unless the connection string asks for it (<see cref="WithoutLoopbackTls"/>).
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException(
                $"{IndexStoreOptions.SectionName}:ConnectionString is empty; set it in appsettings.json or BSI__IndexStore__ConnectionString.");
        }
        var builder = new NpgsqlDataSourceBuilder(WithoutLoopbackTls(connectionString));
        builder.UseVector();
        return builder.Build();
    }

    /// <summary>
    /// The connection string with <c>SSL Mode=Disable</c> where its host is a loopback address and it sets no SSL Mode.
    /// </summary>
    /// <remarks>
    /// Npgsql's default, <c>Prefer</c>, sets up TLS wherever the server offers it (Debian's PostgreSQL does, with its
    /// snakeoil certificate), loopback included, where it protects nothing a local root could not read anyway and costs
    /// every search: 4.5 % of the service's CPU under search load (perf) and ~7 % of PostgreSQL's (bench/LoadBench's
    /// index, 8 clients, this project's Xeon). An explicit SSL Mode, any mode, is kept as written.
    /// </remarks>
    public static string WithoutLoopbackTls(string connectionString)
    {
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var setsSslMode = written.Keys.Cast<string>().Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("sslmode", StringComparison.OrdinalIgnoreCase));
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (setsSslMode || builder.Host is not { Length: > 0 } hosts || !hosts.Split(',').All(IsLoopback))
        {
            return connectionString;
        }
        builder.SslMode = SslMode.Disable;
        return builder.ConnectionString;
    }

    private static bool IsLoopback(string host)
    {
        // A host may carry its own port (host:5433) in a multi-host string; an IPv6 address is written in brackets then.
        var name = host.Trim();
        if (name.StartsWith('[') && name.IndexOf(']') is var close and > 0)
        {
            name = name[1..close];
        }
        else if (name.Count(c => c == ':') == 1)
        {
            name = name[..name.IndexOf(':')];
        }
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
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
