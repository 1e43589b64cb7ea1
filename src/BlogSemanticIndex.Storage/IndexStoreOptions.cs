namespace BlogSemanticIndex.Storage;

/// <summary>Where the index lives: the PostgreSQL database with pgvector (configuration section <c>IndexStore</c>).</summary>
public sealed class IndexStoreOptions
{
    public const string SectionName = "IndexStore";

    /// <summary>Npgsql connection string. Use <c>Search Path=myschema,public</c> to keep several indexes in one database.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Folder of <c>V###__name.sql</c> files; empty means the <c>migrations</c> folder beside the binary.</summary>
    public string MigrationsPath { get; set; } = "";

    public string ResolveMigrationsPath() =>
        string.IsNullOrWhiteSpace(MigrationsPath) ? Path.Combine(AppContext.BaseDirectory, "migrations") : MigrationsPath;
}
