using System.CommandLine;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Sources;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show what the index holds: posts, chunks, model, whitening, last poll.");
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var options = configuration.GetIndexStoreOptions();
            await using var dataSource = IndexDataSource.Create(options.ConnectionString);
            var status = await new IndexStatusReader(dataSource, new MigrationRunner(dataSource, options.ResolveMigrationsPath())).ReadAsync();

            var pending = await CountPendingAsync(configuration, dataSource);

            var table = new Table().AddColumns("", "");
            table.HideHeaders();
            table.AddRow("schema version", $"{status.SchemaVersion}{(status.PendingMigrations > 0 ? $" ({status.PendingMigrations} pending: run bsi migrate)" : "")}");
            table.AddRow("posts indexed", status.Posts.ToString());
            table.AddRow("chunks", status.Chunks.ToString());
            table.AddRow("embeddings", status.Embeddings.ToString());
            table.AddRow("skipped posts", status.SkippedPosts.ToString());
            table.AddRow("pending", pending?.ToString() ?? "(no blog configured)");
            table.AddRow("model", status.ActiveModel ?? "(none yet)");
            table.AddRow("whitening version", status.ActiveWhiteningVersion?.ToString() ?? "(none: raw vectors)");
            table.AddRow("last poll", status.LastPollAt?.ToString("u") ?? "(never)");
            table.AddRow("lag", status.LastSuccessAt is { } at ? $"{(DateTimeOffset.UtcNow - at).TotalSeconds:F0} s since the last successful poll" : "(no successful poll yet)");
            if (status.LastError is not null)
            {
                table.AddRow("last error", Markup.Escape(status.LastError));
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Visible posts of the blog that the index lacks or holds in an older version (the next poll's work); null
    /// when no blog is configured. Skipped posts count as done until they change.
    /// </summary>
    private static async Task<int?> CountPendingAsync(IConfiguration configuration, Npgsql.NpgsqlDataSource dataSource)
    {
        var blog = configuration.GetSection(BlogSourceOptions.SectionName).Get<BlogSourceOptions>();
        if (blog is null || string.IsNullOrWhiteSpace(blog.ConnectionString))
        {
            return null;
        }
        await using var source = TypechoSourceFactory.Create(blog);
        var visible = await source.ReadVisibleStampsAsync();
        var indexed = await new IndexWriter(dataSource).ReadPostStampsAsync();
        var skipped = new HashSet<long>();
        await using (var command = dataSource.CreateCommand("SELECT cid FROM skipped_posts"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                skipped.Add(reader.GetInt64(0));
            }
        }
        return visible.Count(v => !skipped.Contains(v.Cid) && (!indexed.TryGetValue(v.Cid, out var stamp) || stamp.Modified != v.Modified));
    }
}
