namespace BlogSemanticIndex.Sources;

/// <summary>The few places the three engines' SQL differs.</summary>
internal sealed class SqlDialect(BlogProvider provider)
{
    public BlogProvider Provider { get; } = provider;

    /// <summary>Quotes an identifier. Callers pass only fixed names or a validated table prefix.</summary>
    public string Quote(string identifier) =>
        Provider == BlogProvider.MySql ? $"`{identifier}`" : $"\"{identifier}\"";

    /// <summary>
    /// A text column as UTF-8 bytes, so decoding happens here and invalid bytes (or a legacy column charset) cannot
    /// fail inside the driver: MySQL converts from the column's charset, PostgreSQL from the database encoding,
    /// SQLite hands over the bytes it stored.
    /// </summary>
    public string Utf8Bytes(string expression) => Provider switch
    {
        BlogProvider.MySql => $"CAST(CONVERT({expression} USING utf8mb4) AS BINARY)",
        BlogProvider.Postgres => $"convert_to({expression}, 'UTF8')",
        _ => $"CAST({expression} AS BLOB)",
    };
}
