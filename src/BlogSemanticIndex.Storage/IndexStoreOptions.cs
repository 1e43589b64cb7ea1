using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Storage;

/// <summary>Where the index lives: the PostgreSQL database with pgvector (configuration section <c>IndexStore</c>).</summary>
public sealed class IndexStoreOptions : IValidatedSection<IndexStoreOptions>
{
    public const string SectionName = "IndexStore";

    static string IValidatedSection<IndexStoreOptions>.SectionName => SectionName;

    /// <summary>Npgsql connection string. Use <c>Search Path=myschema,public</c> to keep several indexes in one database.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Folder of <c>V###__name.sql</c> files; empty means the <c>migrations</c> folder beside the binary.</summary>
    public string MigrationsPath { get; set; } = "";

    public IReadOnlyList<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            return [$"{SectionName}:ConnectionString is not set (appsettings.json, BSI__IndexStore__ConnectionString or --set IndexStore:ConnectionString=…)."];
        }
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the offending keyword; the value itself is not repeated, since it may hold the password.
            return [$"{SectionName}:ConnectionString is not a valid PostgreSQL connection string: {e.Message}"];
        }
        return [];
    }

    public string ResolveMigrationsPath() =>
        string.IsNullOrWhiteSpace(MigrationsPath) ? Path.Combine(AppContext.BaseDirectory, "migrations") : MigrationsPath;
}
