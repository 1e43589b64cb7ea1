using System.Data.Common;

namespace BlogSemanticIndex.Sources.Tests;

/// <summary>
/// A Typecho schema of its own (a database, a PostgreSQL schema or a temporary file) that one test fills through the
/// owner's connection and drops when it ends. The DDL is written here from Typecho's column names and types; only
/// the three tables the source reads are created.
/// </summary>
internal abstract class TypechoTestDatabase : IAsyncDisposable
{
    public abstract BlogProvider Provider { get; }

    /// <summary>Connection string for the source, as the owner of the tables.</summary>
    public abstract string OwnerConnectionString { get; }

    public abstract Task CreateSchemaAsync(string prefix = "typecho_", string? charset = null);

    protected abstract Task<DbConnection> OpenOwnerConnectionAsync();

    public abstract ValueTask DisposeAsync();

    public string Q(string identifier) => Provider == BlogProvider.MySql ? $"`{identifier}`" : $"\"{identifier}\"";

    public BlogSourceOptions Options(string prefix = "typecho_", bool includePages = false, string? connectionString = null) => new()
    {
        Provider = Provider.ToString(),
        ConnectionString = connectionString ?? OwnerConnectionString,
        TablePrefix = prefix,
        IncludePages = includePages,
        Name = "test",
    };

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenOwnerConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync();
    }

    public Task InsertPostAsync(TestPost post, string prefix = "typecho_") => ExecuteAsync(
        $"INSERT INTO {Q(prefix + "contents")} ({Q("cid")}, {Q("title")}, {Q("slug")}, {Q("created")}, {Q("modified")}, {Q("text")}, " +
        $"{Q("authorId")}, {Q("type")}, {Q("status")}, {Q("password")}) " +
        "VALUES (@cid, @title, @slug, @created, @modified, @text, @author, @type, @status, @password)",
        ("cid", post.Cid), ("title", post.Title), ("slug", post.Slug), ("created", post.Created), ("modified", post.Modified),
        ("text", post.Text), ("author", post.AuthorId), ("type", post.Type), ("status", post.Status), ("password", post.Password));

    public Task InsertMetaAsync(long mid, string name, string type, long order = 0, string prefix = "typecho_") => ExecuteAsync(
        $"INSERT INTO {Q(prefix + "metas")} ({Q("mid")}, {Q("name")}, {Q("slug")}, {Q("type")}, {Q("order")}) VALUES (@mid, @name, @slug, @type, @order)",
        ("mid", mid), ("name", name), ("slug", $"meta-{mid}"), ("type", type), ("order", order));

    public Task RelateAsync(long cid, long mid, string prefix = "typecho_") => ExecuteAsync(
        $"INSERT INTO {Q(prefix + "relationships")} ({Q("cid")}, {Q("mid")}) VALUES (@cid, @mid)", ("cid", cid), ("mid", mid));

    public Task UpdatePostAsync(long cid, string assignments, params (string Name, object? Value)[] parameters) =>
        ExecuteAsync($"UPDATE {Q("typecho_contents")} SET {assignments} WHERE {Q("cid")} = @cid", [.. parameters, ("cid", cid)]);

    public async Task DeletePostAsync(long cid)
    {
        await ExecuteAsync($"DELETE FROM {Q("typecho_relationships")} WHERE {Q("cid")} = @cid", ("cid", cid));
        await ExecuteAsync($"DELETE FROM {Q("typecho_contents")} WHERE {Q("cid")} = @cid", ("cid", cid));
    }

    protected static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    protected static string NewName() => $"typecho_t_{Guid.NewGuid():N}"[..22];
}
