using System.Globalization;
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

            var pending = await PendingPosts.CountAsync(configuration, dataSource);

            var table = new Table().AddColumns("", "");
            table.HideHeaders();
            table.AddRow("schema version", $"{status.SchemaVersion}{(status.PendingMigrations > 0 ? $" ({status.PendingMigrations} pending: run bsi migrate)" : "")}");
            table.AddRow("posts indexed", status.Posts.ToString(CultureInfo.InvariantCulture));
            table.AddRow("chunks", status.Chunks.ToString(CultureInfo.InvariantCulture));
            table.AddRow("embeddings", status.Embeddings.ToString(CultureInfo.InvariantCulture));
            table.AddRow("skipped posts", status.SkippedPosts.ToString(CultureInfo.InvariantCulture));
            table.AddRow("pending", pending?.ToString(CultureInfo.InvariantCulture) ?? "(no blog configured)");
            table.AddRow("model in use", status.ActiveModel ?? "(none yet)");
            var configured = ConfiguredModel.Resolve(configuration.GetEncoderOptions());
            table.AddRow("model configured", Markup.Escape(configured.Identity ?? $"(cannot be loaded: {configured.Error})"));
            table.AddRow("stored vectors", Markup.Escape(ConfiguredModel.DescribeMatch(status.ActiveModel, configured.Identity)));
            table.AddRow("whitening version", status.ActiveWhiteningVersion?.ToString(CultureInfo.InvariantCulture) ?? "(none: raw vectors)");
            table.AddRow("similarity floor", status.SimilarityFloor is { } floor
                ? $"{floor:F3} (the semantic leg keeps posts above it: the best similarity nonsense queries reach in this blog)"
                : "(not computed yet: the first semantic search computes it)");
            table.AddRow("last poll", status.LastPollAt?.ToString("u") ?? "(never)");
            table.AddRow("lag", status.LastSuccessAt is { } at ? $"{(DateTimeOffset.UtcNow - at).TotalSeconds:F0} s since the last successful poll" : "(no successful poll yet)");
            foreach (var skipped in status.Skipped)
            {
                table.AddRow($"  skipped post {skipped.Cid}", Markup.Escape($"{skipped.Reason} ({skipped.SkippedAt:u})"));
            }
            foreach (var line in status.TextByScript)
            {
                table.AddRow("text by script", Markup.Escape(line));
            }
            if (status.LastError is not null)
            {
                table.AddRow("last error", Markup.Escape(status.LastError));
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
