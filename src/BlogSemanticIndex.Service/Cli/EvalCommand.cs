using System.CommandLine;
using System.Globalization;
using BlogSemanticIndex.Evaluation;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class EvalCommand
{
    public static readonly Argument<FileInfo> LabelledSetArgument = new("labelled-set")
    {
        Description = "JSON Lines, one {\"query\": \"…\", \"relevant\": [cid, …]} per line (bsi demo writes one beside its blog)",
    };

    public static Command Create()
    {
        var modes = new Option<EvaluatedMode[]>("--mode")
        {
            Description = "Modes to score (default: all): KeywordLike (Typecho's own LIKE search), Keyword, Semantic, Hybrid",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("eval",
            "Score search quality on a labelled query set against the index, as the service ranks: nDCG@10, MRR@10 and Recall@50 " +
            "for Typecho's LIKE search and the keyword, semantic and hybrid modes.");
        command.Arguments.Add(LabelledSetArgument);
        command.Options.Add(modes);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            if (ReadSet(parseResult.GetValue(LabelledSetArgument)!) is not { } queries)
            {
                return ExitCodes.BadConfiguration;
            }
            await using var services = BuildSearchServices(configuration);
            var evaluation = new SearchModeEvaluation(services.GetRequiredService<SearchService>(), services.GetRequiredService<KeywordSearcher>());
            var selected = parseResult.GetValue(modes) is { Length: > 0 } chosen ? chosen : Enum.GetValues<EvaluatedMode>();
            var table = new Table().AddColumns("mode", "nDCG@10", "MRR@10", "Recall@50", "ms/query");
            foreach (var mode in selected)
            {
                var scores = await evaluation.ScoreAsync(mode, queries);
                table.AddRow(SearchModeEvaluation.Name(mode), F(scores.NdcgAt10), F(scores.MrrAt10), F(scores.RecallAt50),
                    scores.MillisecondsPerQuery.ToString("F1", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape($"{queries.Count} labelled queries from {parseResult.GetValue(LabelledSetArgument)!.FullName}"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The labelled set, or null after logging why it cannot be read.</summary>
    public static IReadOnlyList<LabelledQuery>? ReadSet(FileInfo file)
    {
        try
        {
            return LabelledSet.Read(file.FullName);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            Log.Fatal("Cannot read the labelled set: {Reason}", e.Message);
            return null;
        }
    }

    /// <summary>The search stack of <c>bsi serve</c> without the web host: index, encoder, keyword and semantic legs.</summary>
    public static ServiceProvider BuildSearchServices(IConfiguration configuration)
    {
        var storeOptions = configuration.GetIndexStoreOptions();
        return new ServiceCollection()
            .AddLogging(logging => logging.AddSerilog())
            .AddSingleton(_ => IndexDataSource.Create(storeOptions.ConnectionString))
            .AddSingleton(_ => EncoderLoading.Load(configuration.GetEncoderOptions()))
            .AddSearch(configuration)
            .BuildServiceProvider();
    }

    public static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
