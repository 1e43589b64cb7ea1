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
        var tune = new Option<bool>("--tune-fusion")
        {
            Description = "Fit hybrid fusion to the set instead: score a grid of Search:SemanticWeight, RrfK, MinSemanticCoverage and " +
                "ExactMatchesFirst (both legs run once per query) and print the best settings",
        };
        var command = new Command("eval",
            "Score search quality on a labelled query set against the index, as the service ranks: nDCG@10, MRR@10 and Recall@50 " +
            "for Typecho's LIKE search and the keyword, semantic and hybrid modes; with --tune-fusion, fit hybrid fusion to the set.");
        command.Arguments.Add(LabelledSetArgument);
        command.Options.Add(modes);
        command.Options.Add(tune);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            if (ReadSet(parseResult.GetValue(LabelledSetArgument)!) is not { } queries)
            {
                return ExitCodes.BadConfiguration;
            }
            await using var services = BuildSearchServices(configuration);
            if (parseResult.GetValue(tune))
            {
                await TuneFusionAsync(services, queries);
                return ExitCodes.Ok;
            }
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

    private static async Task TuneFusionAsync(ServiceProvider services, IReadOnlyList<LabelledQuery> queries)
    {
        var configured = FusionTuning.Candidate.From(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SearchOptions>>().Value);
        var grid = FusionTuning.Grid().Where(c => c != configured).Prepend(configured).ToList();
        var legs = await FusionTuning.RunLegsAsync(services.GetRequiredService<SearchService>(), queries);
        var results = FusionTuning.Score(legs, grid);
        var current = results[0];
        // Best first; among equals the setting nearest the defaults (fewer surprises for the other queries of the blog).
        var ranked = results.OrderByDescending(r => Math.Round(r.Scores.NdcgAt10, 4)).ThenByDescending(r => r.Scores.MrrAt10)
            .ThenBy(r => Math.Abs(r.Candidate.SemanticWeight - 1) + Math.Abs(r.Candidate.RrfK - 60) / 100.0).ToList();
        var table = new Table().AddColumns("SemanticWeight", "RrfK", "MinSemanticCoverage", "ExactMatchesFirst", "nDCG@10", "MRR@10", "Recall@50");
        foreach (var result in ranked.Take(10).Append(current).Distinct())
        {
            var c = result.Candidate;
            table.AddRow(Invariant(c.SemanticWeight), Invariant(c.RrfK), Invariant(c.MinSemanticCoverage), c.ExactMatchesFirst.ToString(),
                F(result.Scores.NdcgAt10), F(result.Scores.MrrAt10), F(result.Scores.RecallAt50) + (result == current ? " (configured)" : ""));
        }
        AnsiConsole.Write(table);
        var plain = FusionTuning.ScorePlainRrf(legs);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"For comparison, equal-weight RRF (k 60) blind to coverage and exact matches: nDCG@10 {F(plain.NdcgAt10)}, MRR@10 {F(plain.MrrAt10)}, Recall@50 {F(plain.RecallAt50)}"));
        var best = ranked[0];
        AnsiConsole.MarkupLine(Markup.Escape(best.Scores.NdcgAt10 > current.Scores.NdcgAt10 + 0.0005
            ? $"Best on these {queries.Count} queries (hybrid nDCG@10 {F(best.Scores.NdcgAt10)} against {F(current.Scores.NdcgAt10)} configured): {best.Candidate.AsSettings()}"
            : $"The configured fusion is already the best of the grid on these {queries.Count} queries (hybrid nDCG@10 {F(current.Scores.NdcgAt10)})."));

        static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
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
