using System.Globalization;
using System.CommandLine;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class ReindexCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--all") { Description = "Rebuild every visible post" };
        var posts = new Option<long[]>("--post") { Description = "Rebuild these posts (Typecho cids)", AllowMultipleArgumentsPerToken = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Read, clean and chunk, and report what would be embedded; write nothing" };
        var command = new Command("reindex", "Re-embed all posts or chosen ones now, with a progress bar (the service does the same on POST /admin/reindex).");
        command.Options.Add(all);
        command.Options.Add(posts);
        command.Options.Add(dryRun);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var request = new ReindexRequest(parseResult.GetValue(all), parseResult.GetValue(posts) ?? [], parseResult.GetValue(dryRun));
            try
            {
                request.EnsureValid();
            }
            catch (ArgumentException e)
            {
                Log.Fatal("{Reason}", e.Message);
                return ExitCodes.BadConfiguration;
            }
            return await RunAsync(configuration, request);
        }));
        return command;
    }

    private static async Task<int> RunAsync(IConfigurationRoot configuration, ReindexRequest request)
    {
        var storeOptions = configuration.GetIndexStoreOptions();
        if (string.IsNullOrWhiteSpace(configuration["Blog:ConnectionString"]))
        {
            throw new OptionsValidationFailure("Blog:ConnectionString is not set: there is no blog to read posts from.");
        }
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSerilog())
            .AddKeywordIndex()
            .AddIndexingPipeline(configuration)
            .BuildServiceProvider();
        await using (var dataSource = Storage.IndexDataSource.Create(storeOptions.ConnectionString))
        {
            await new Storage.MigrationRunner(dataSource, storeOptions.ResolveMigrationsPath()).MigrateAsync();
        }
        var indexer = services.GetRequiredService<PostIndexer>();

        var result = await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("posts", maxValue: 1);
                var progress = new SynchronousProgress<IndexProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.PostsTotal ?? p.PostsDone);
                    task.Value = p.PostsDone;
                    task.Description = $"posts {p.PostsDone}/{p.PostsTotal?.ToString(CultureInfo.InvariantCulture) ?? "?"} · chunks {p.ChunksWritten} · {p.ChunksPerSecond:F1}/s" +
                                       (p.EstimatedRemaining is { } eta ? $" · ETA {eta:hh\\:mm\\:ss}" : "");
                });
                return await indexer.ReindexAsync(request, progress, CancellationToken.None);
            });

        var table = new Table().AddColumns("", "");
        table.HideHeaders();
        table.AddRow("posts written", result.PostsWritten.ToString(CultureInfo.InvariantCulture));
        table.AddRow("posts removed", result.PostsRemoved.ToString(CultureInfo.InvariantCulture));
        table.AddRow("posts skipped", result.PostsSkipped.ToString(CultureInfo.InvariantCulture));
        table.AddRow("chunks", $"{result.ChunksWritten} ({result.ChunksEmbedded} embedded, {result.ChunksReused} reused)");
        table.AddRow("time", $"{result.Elapsed.TotalSeconds:F1} s, {result.EmbeddingTime.TotalSeconds:F1} s of it embedding");
        table.AddRow("dry run", result.DryRun ? "yes: nothing was written" : "no");
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}

/// <summary>Reports on the caller's thread: <see cref="Progress{T}"/> would post to the thread pool and lag behind what it reports on.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
