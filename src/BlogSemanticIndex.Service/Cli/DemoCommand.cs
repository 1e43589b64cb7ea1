using System.CommandLine;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.Evaluation;
using BlogSemanticIndex.Evaluation.Corpora;
using BlogSemanticIndex.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace BlogSemanticIndex.Service.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var corpus = new Option<DemoCorpus>("--corpus")
        {
            Description = "demo: generated English and Chinese posts; scifact: the SciFact retrieval set's abstracts as posts (needs --data)",
            DefaultValueFactory = _ => DemoCorpus.Demo,
        };
        var data = new Option<DirectoryInfo?>("--data") { Description = "For --corpus scifact: the folder with corpus_train.csv and claims_train.csv" };
        var posts = new Option<int>("--posts") { Description = "How many posts to write (--corpus demo)", DefaultValueFactory = _ => 300 };
        var path = new Option<string?>("--path")
        {
            Description = "Where to write the blog's SQLite database (default: $XDG_DATA_HOME/bsi/demo/typecho-demo.db or scifact.db); " +
                          "its labelled queries go beside it as <name>.queries.jsonl",
        };
        var createOnly = new Option<bool>("--create-only") { Description = "Write the demo blog and exit instead of serving it" };
        var urls = new Option<string?>("--urls") { Description = "Where to listen (default: the Urls setting)" };
        var command = new Command("demo",
            "Write a demo Typecho blog (SQLite, English and Chinese posts, some of them hidden from visitors) and serve it: " +
            "the service indexes it and answers searches over it. Beside the database it writes a labelled query set for bsi eval " +
            "and bsi whitening sweep.");
        command.Options.Add(corpus);
        command.Options.Add(data);
        command.Options.Add(posts);
        command.Options.Add(path);
        command.Options.Add(createOnly);
        command.Options.Add(urls);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var blog = parseResult.GetValue(corpus) switch
            {
                DemoCorpus.SciFact => WriteSciFact(parseResult.GetValue(data), parseResult.GetValue(path) ?? DefaultPath("scifact.db")),
                _ => WriteDemo(parseResult.GetValue(path) ?? DefaultPath("typecho-demo.db"), parseResult.GetValue(posts)),
            };
            if (blog is null)
            {
                return ExitCodes.BadConfiguration;
            }
            if (parseResult.GetValue(createOnly))
            {
                return ExitCodes.Ok;
            }
            var demo = new ConfigurationBuilder()
                .AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Blog:Provider"] = "sqlite",
                    ["Blog:ConnectionString"] = $"Data Source={blog}",
                    ["Blog:Name"] = parseResult.GetValue(corpus) == DemoCorpus.SciFact ? "scifact" : "demo",
                })
                .Build();
            return await ServeCommand.ServeAsync(demo, parseResult.GetValue(urls));
        }));
        return command;
    }

    /// <summary>The labelled set written beside a blog database: blog.db → blog.queries.jsonl.</summary>
    public static string LabelledSetPath(string blogPath) => Path.ChangeExtension(blogPath, ".queries.jsonl");

    private static string DefaultPath(string file) => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } data ? data
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
        "bsi", "demo", file);

    private static string WriteDemo(string path, int posts)
    {
        var summary = DemoBlog.Create(path, posts);
        LabelledSet.Write(LabelledSetPath(summary.Path), summary.Queries.Select(q => new LabelledQuery(q.Query, q.Relevant.ToHashSet())));
        Log.Information("Demo blog {Path}: {Posts} posts, {Visible} visible, {Hidden} that visitors must never find (drafts, private, password, scheduled); " +
                        "{Queries} labelled queries in {Set}", summary.Path, summary.Posts, summary.Visible, summary.Hidden, summary.Queries.Count, LabelledSetPath(summary.Path));
        return summary.Path;
    }

    private static string? WriteSciFact(DirectoryInfo? data, string path)
    {
        if (data is null || !File.Exists(Path.Combine(data.FullName, "corpus_train.csv")) || !File.Exists(Path.Combine(data.FullName, "claims_train.csv")))
        {
            Log.Fatal("--corpus scifact needs --data <folder> holding corpus_train.csv and claims_train.csv (SciFact)");
            return null;
        }
        var summary = SciFactBlog.Create(data.FullName, path);
        LabelledSet.Write(LabelledSetPath(summary.Path), summary.Queries);
        Log.Information("SciFact blog {Path}: {Posts} abstracts as posts; {Queries} claims as labelled queries in {Set}",
            summary.Path, summary.Posts, summary.Queries.Count, LabelledSetPath(summary.Path));
        return summary.Path;
    }
}

/// <summary>Which blog <c>bsi demo</c> writes.</summary>
internal enum DemoCorpus
{
    Demo,
    SciFact,
}
