using System.CommandLine;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace BlogSemanticIndex.Service.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var posts = new Option<int>("--posts") { Description = "How many posts to write", DefaultValueFactory = _ => 300 };
        var path = new Option<string>("--path")
        {
            Description = "Where to write the demo blog's SQLite database",
            DefaultValueFactory = _ => Path.Combine(
                Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } data ? data
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
                "bsi", "demo", "typecho-demo.db"),
        };
        var createOnly = new Option<bool>("--create-only") { Description = "Write the demo blog and exit instead of serving it" };
        var urls = new Option<string?>("--urls") { Description = "Where to listen (default: the Urls setting)" };
        var command = new Command("demo",
            "Write a demo Typecho blog (SQLite, English and Chinese posts, some of them hidden from visitors) and serve it: " +
            "the service indexes it and answers searches over it.");
        command.Options.Add(posts);
        command.Options.Add(path);
        command.Options.Add(createOnly);
        command.Options.Add(urls);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var summary = DemoBlog.Create(parseResult.GetValue(path)!, parseResult.GetValue(posts));
            Log.Information("Demo blog {Path}: {Posts} posts, {Visible} visible, {Hidden} that visitors must never find (drafts, private, password, scheduled)",
                summary.Path, summary.Posts, summary.Visible, summary.Hidden);
            if (parseResult.GetValue(createOnly))
            {
                return ExitCodes.Ok;
            }
            var demo = new ConfigurationBuilder()
                .AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Blog:Provider"] = "sqlite",
                    ["Blog:ConnectionString"] = $"Data Source={summary.Path}",
                    ["Blog:Name"] = "demo",
                })
                .Build();
            return await ServeCommand.ServeAsync(demo, parseResult.GetValue(urls));
        }));
        return command;
    }
}
