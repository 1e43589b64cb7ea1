using System.Data.Common;
using System.Text.RegularExpressions;
using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Sources;

/// <summary>Which Typecho blog to index and how to reach it (configuration section <c>Blog</c>).</summary>
public sealed partial class BlogSourceOptions : IValidatedSection<BlogSourceOptions>
{
    public const string SectionName = "Blog";

    static string IValidatedSection<BlogSourceOptions>.SectionName => SectionName;

    /// <summary>Values <see cref="Provider"/> accepts (case-insensitive); empty means inferred from the connection string.</summary>
    public static readonly IReadOnlyList<string> ProviderNames = ["mysql", "mariadb", "postgres", "postgresql", "sqlite"];

    /// <summary><c>mysql</c> (also MariaDB), <c>postgres</c> or <c>sqlite</c>; empty to infer it from <see cref="ConnectionString"/>.</summary>
    public string Provider { get; set; } = "";

    /// <summary>
    /// ADO.NET connection string in the provider's own syntax (MySqlConnector, Npgsql, Microsoft.Data.Sqlite).
    /// The account needs only SELECT on the contents, metas and relationships tables. SQLite files are opened read-only.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Typecho's table prefix (<c>$db->prefix</c> in config.inc.php). Letters, digits and underscores only.</summary>
    public string TablePrefix { get; set; } = "typecho_";

    /// <summary>Index standalone pages (<c>type = 'page'</c>) as well as posts.</summary>
    public bool IncludePages { get; set; }

    /// <summary>A name for this blog, used in logs and to tell several blogs apart in one index.</summary>
    public string Name { get; set; } = "typecho";

    /// <summary>Every problem with these settings, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add($"{SectionName}:ConnectionString is empty; set the connection string of the Typecho database.");
        }
        else
        {
            try
            {
                _ = ResolveProvider();
            }
            catch (ArgumentException e)
            {
                errors.Add(e.Message);
            }
        }
        if (!IsValidTablePrefix(TablePrefix))
        {
            errors.Add($"{SectionName}:TablePrefix '{TablePrefix}' is not allowed: use 0-64 letters, digits or underscores (Typecho's default is 'typecho_').");
        }
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add($"{SectionName}:Name is empty; give the blog a name (default 'typecho').");
        }
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem <see cref="Validate"/> finds.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>The prefix is spliced into SQL as part of a quoted identifier, so only identifier characters pass.</summary>
    public static bool IsValidTablePrefix(string? prefix) => prefix is not null && TablePrefixPattern().IsMatch(prefix);

    /// <summary>
    /// <see cref="Provider"/> when set; otherwise a guess from the connection string's keys
    /// (a file name alone means SQLite, <c>Host</c>/<c>Username</c> or port 5432 PostgreSQL, <c>Server</c>/<c>User ID</c>/<c>Uid</c> or port 3306 MySQL).
    /// </summary>
    /// <exception cref="ArgumentException">The provider is unknown, or cannot be told from the connection string.</exception>
    public BlogProvider ResolveProvider()
    {
        if (!string.IsNullOrWhiteSpace(Provider))
        {
            return Provider.Trim().ToLowerInvariant() switch
            {
                "mysql" or "mariadb" => BlogProvider.MySql,
                "postgres" or "postgresql" or "pgsql" or "npgsql" => BlogProvider.Postgres,
                "sqlite" or "sqlite3" => BlogProvider.Sqlite,
                _ => throw new ArgumentException(
                    $"{SectionName}:Provider '{Provider}' is not supported; use one of: {string.Join(", ", ProviderNames)} (or leave it empty to infer it from the connection string)."),
            };
        }
        return InferProvider(ConnectionString) ?? throw new ArgumentException(
            $"{SectionName}:Provider is empty and cannot be inferred from {SectionName}:ConnectionString; set it to one of: {string.Join(", ", ProviderNames)}.");
    }

    private static BlogProvider? InferProvider(string connectionString)
    {
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (string key in builder.Keys)
            {
                keys[key.Replace(" ", "", StringComparison.Ordinal)] = builder[key]?.ToString() ?? "";
            }
        }
        catch (ArgumentException)
        {
            return null;
        }

        bool Has(params string[] names) => names.Any(keys.ContainsKey);
        if (keys.TryGetValue("Port", out var port))
        {
            if (port == "5432")
            {
                return BlogProvider.Postgres;
            }
            if (port == "3306")
            {
                return BlogProvider.MySql;
            }
        }
        if (Has("DataSource", "Filename") && !Has("Server", "Host", "UserID", "Uid", "User", "Username", "Password", "Port", "Database"))
        {
            return BlogProvider.Sqlite;
        }
        var postgres = Has("Host", "Username", "SearchPath", "SslMode") && !Has("Server", "UserID", "Uid");
        var mysql = Has("Server", "UserID", "Uid", "CharacterSet", "AllowUserVariables") && !Has("Host", "Username");
        return (postgres, mysql) switch
        {
            (true, false) => BlogProvider.Postgres,
            (false, true) => BlogProvider.MySql,
            _ => null,
        };
    }

    [GeneratedRegex("^[A-Za-z0-9_]{0,64}$")]
    private static partial Regex TablePrefixPattern();
}
