using System.Globalization;
using System.CommandLine;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.ModelHub;
using BlogSemanticIndex.Service.Hosting;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Download and inspect the sentence encoder.");
        command.Subcommands.Add(CreatePull());
        command.Subcommands.Add(CreateInfo());
        return command;
    }

    private static Command CreatePull()
    {
        var repoId = new Argument<string>("repo-id") { Description = "A Hugging Face model id, e.g. BAAI/bge-small-zh-v1.5" };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit", DefaultValueFactory = _ => "main" };
        var command = new Command("pull",
            "Download a model into the Hugging Face cache (HF_HOME / HF_HUB_CACHE; HF_ENDPOINT for a mirror; HF_TOKEN). " +
            "Resumes partial downloads and verifies every file; afterwards the model loads offline.");
        command.Arguments.Add(repoId);
        command.Options.Add(revision);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async _ =>
        {
            using var hub = HubClient.FromEnvironment();
            try
            {
                var pulled = await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var progress = new Progress<HubProgress>(p =>
                    {
                        if (!tasks.TryGetValue(p.File, out var task))
                        {
                            tasks[p.File] = task = context.AddTask(Markup.Escape(p.File), maxValue: p.TotalBytes ?? 1);
                        }
                        task.Value = p.BytesDone;
                    });
                    return await hub.PullAsync(parseResult.GetValue(repoId)!, parseResult.GetValue(revision)!, null, progress);
                });
                if (pulled.ServedFromCacheBecause is { } reason)
                {
                    Log.Warning("Served from the cache: {Reason}", reason);
                }
                Log.Information("{Repo}@{Commit}: {Files} files ({Downloaded} downloaded) in {Folder}",
                    parseResult.GetValue(repoId), pulled.CommitHash, pulled.Files.Count, pulled.Files.Count(f => f.Downloaded), pulled.SnapshotPath);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is HubException or ArgumentException)
            {
                Log.Fatal("{Reason}", e.Message);
                return ExitCodes.Failure;
            }
        }));
        return command;
    }

    private static Command CreateInfo()
    {
        var command = new Command("info", "Load the configured encoder (Encoder:Model) and print its architecture, dimensions, max length, device and precision.");
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration =>
        {
            using var encoder = EncoderLoading.Load(configuration.GetEncoderOptions());
            var info = encoder.Info;
            var table = new Table().AddColumns("", "");
            table.HideHeaders();
            table.AddRow("model", Markup.Escape($"{info.Name} @ {info.Revision}"));
            table.AddRow("folder", Markup.Escape(info.Folder));
            table.AddRow("architecture", Markup.Escape(info.Architecture));
            table.AddRow("dimensions", info.Dimensions.ToString(CultureInfo.InvariantCulture));
            table.AddRow("max tokens", info.MaxTokens.ToString(CultureInfo.InvariantCulture));
            table.AddRow("pooling", $"{info.Pooling}{(info.Normalized ? ", L2-normalised" : "")}");
            table.AddRow("device", info.Device);
            table.AddRow("precision", info.Precision);
            table.AddRow("threads", info.Threads.ToString(CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
