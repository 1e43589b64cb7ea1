using System.CommandLine;
using System.Globalization;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Evaluation;
using BlogSemanticIndex.Search;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;
using Serilog;
using Spectre.Console;

namespace BlogSemanticIndex.Service.Cli;

internal static class WhiteningCommand
{
    public static Command Create()
    {
        var command = new Command("whitening", "Fit, list and activate BERT-whitening versions of the index's vectors.");
        command.Subcommands.Add(CreateFit());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateActivate());
        command.Subcommands.Add(CreateSweep());
        return command;
    }

    private static Command CreateFit()
    {
        var beta = new Option<double?>("--beta") { Description = "Centring β in [0, 1] (default: Whitening:Beta)" };
        var gamma = new Option<double?>("--gamma") { Description = "Scaling γ in [0, 1]: 1 is classic whitening, 0 a rotation (default: Whitening:Gamma)" };
        var dims = new Option<int?>("--dims") { Description = "Dimensions k to keep; 0 = two thirds of the encoder's (default: Whitening:Dims)" };
        var noActivate = new Option<bool>("--no-activate") { Description = "Build the version but keep the active one" };
        var command = new Command("fit", "Fit a new version on the index's vectors, build its reduced table and HNSW index beside the active one, then switch to it.");
        command.Options.Add(beta);
        command.Options.Add(gamma);
        command.Options.Add(dims);
        command.Options.Add(noActivate);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration => WithStoreAsync(configuration, async (store, model, options) =>
        {
            var parameters = options.ToParameters() with
            {
                Beta = parseResult.GetValue(beta) ?? options.Beta,
                Gamma = parseResult.GetValue(gamma) ?? options.Gamma,
                Dims = parseResult.GetValue(dims) ?? options.Dims,
            };
            var errors = parameters.Validate(model.Dimensions);
            if (errors.Count > 0)
            {
                Log.Fatal("Invalid whitening parameters: {Reason}", string.Join(" ", errors));
                return ExitCodes.BadConfiguration;
            }
            var result = await store.FitAsync(model.Id, parameters, activate: !parseResult.GetValue(noActivate));
            Log.Information(
                "Whitening version {Version} {Parameters}: {Rows} vectors, fit {Fit:F1} s, copy {Copy:F1} s, HNSW {Index:F1} s, {State}",
                result.Version, parameters, result.Rows, result.FitTime.TotalSeconds, result.CopyTime.TotalSeconds,
                result.IndexTime.TotalSeconds, result.Activated ? "active" : "built, not active");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List whitening versions: parameters, vectors, variance kept, state.");
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration => WithStoreAsync(configuration, async (store, _, _) =>
        {
            var table = new Table().AddColumns("version", "β", "γ", "dims", "ε", "vectors", "variance kept", "fitted", "state", "table");
            foreach (var v in await store.ListAsync())
            {
                table.AddRow(
                    v.IsActive ? $"[bold]{v.Version}[/] (active)" : v.Version.ToString(CultureInfo.InvariantCulture),
                    F(v.Beta), F(v.Gamma), v.Dims.ToString(CultureInfo.InvariantCulture), v.Epsilon.ToString("G3", CultureInfo.InvariantCulture),
                    v.VectorCount.ToString(CultureInfo.InvariantCulture), v.ExplainedVariance.ToString("P1", CultureInfo.InvariantCulture),
                    v.FittedAt.ToString("u", CultureInfo.InvariantCulture), v.State, v.TableExists ? "present" : "dropped");
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        })));
        return command;

        static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
    }

    private static Command CreateActivate()
    {
        var version = new Argument<int>("version") { Description = "The version to make active (see bsi whitening list)" };
        var command = new Command("activate", "Switch searches to an existing version (rebuilding its table if it was dropped).");
        command.Arguments.Add(version);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration => WithStoreAsync(configuration, async (store, _, _) =>
        {
            var result = await store.ActivateAsync(parseResult.GetValue(version));
            Log.Information("Whitening version {Version} is active{Rebuilt}", result.Version, result.Rebuilt ? " (table rebuilt)" : "");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command CreateSweep()
    {
        var betas = new Option<double[]>("--beta") { Description = "β values to try (default: 0 1)", AllowMultipleArgumentsPerToken = true };
        var gammas = new Option<double[]>("--gamma") { Description = "γ values to try (default: 0 0.5 1)", AllowMultipleArgumentsPerToken = true };
        var dims = new Option<int[]>("--dims") { Description = "k values to try (default: 64 128, two thirds and all of the encoder's)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("sweep",
            "Score a grid of (β, γ, k) on a labelled query set over the index's own vectors (exact search, nothing is changed) and print " +
            "quality against dimensions and storage per chunk, to choose the settings for bsi whitening fit.");
        command.Arguments.Add(EvalCommand.LabelledSetArgument);
        command.Options.Add(betas);
        command.Options.Add(gammas);
        command.Options.Add(dims);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration => WithStoreAsync(configuration, async (_, model, options) =>
        {
            if (EvalCommand.ReadSet(parseResult.GetValue(EvalCommand.LabelledSetArgument)!) is not { } queries)
            {
                return ExitCodes.BadConfiguration;
            }
            var defaults = WhiteningSweep.DefaultGrid(model.Dimensions);
            var grid = WhiteningSweep.Grid(
                parseResult.GetValue(betas) is { Length: > 0 } b ? b : defaults.Select(p => p.Beta).Distinct(),
                parseResult.GetValue(gammas) is { Length: > 0 } g ? g : defaults.Select(p => p.Gamma).Distinct(),
                parseResult.GetValue(dims) is { Length: > 0 } k ? k : defaults.Select(p => p.Dims).Distinct());
            await using var services = EvalCommand.BuildSearchServices(configuration);
            var embedder = services.GetRequiredService<IQueryEmbedder>();
            if (embedder.ModelName != model.Name || embedder.ModelRevision != model.Revision)
            {
                Log.Fatal("The configured encoder is {Name}@{Revision} but the index holds vectors of {IndexName}@{IndexRevision}; configure the index's encoder",
                    embedder.ModelName, embedder.ModelRevision, model.Name, model.Revision);
                return ExitCodes.BadConfiguration;
            }
            var sweep = new WhiteningSweep(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), services.GetRequiredService<KeywordSearcher>(),
                embedder, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SearchOptions>>().Value);
            var rows = await sweep.RunAsync(model.Id, queries, grid, new SynchronousProgress<string>(message => Log.Information("{Progress}", message)));
            Print(rows, options.ToParameters(), model.Dimensions, queries.Count);
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static void Print(IReadOnlyList<SweepRow> rows, WhiteningParameters configured, int modelDimensions, int queryCount)
    {
        var table = new Table().AddColumns("β", "γ", "k", "variance kept", "semantic nDCG@10", "MRR@10", "Recall@50", "hybrid nDCG@10", "bytes/chunk", "storage");
        var raw = rows[0];
        foreach (var row in rows)
        {
            var isDefault = row.Point is { } p && p.Beta == configured.Beta && p.Gamma == configured.Gamma && p.Dims == configured.ResolveDims(modelDimensions);
            table.AddRow(
                row.Point is null ? "raw" : F(row.Point.Beta), row.Point is null ? "" : F(row.Point.Gamma),
                row.Dims.ToString(CultureInfo.InvariantCulture) + (isDefault ? " (configured)" : ""),
                row.ExplainedVariance is { } explained ? Percent(explained, "F1") : "",
                EvalCommand.F(row.Semantic.NdcgAt10), EvalCommand.F(row.Semantic.MrrAt10), EvalCommand.F(row.Semantic.RecallAt50),
                EvalCommand.F(row.Hybrid.NdcgAt10), row.BytesPerChunk.ToString(CultureInfo.InvariantCulture),
                Percent((double)row.BytesPerChunk / raw.BytesPerChunk, "F0"));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"{queryCount} labelled queries; exact cosine search over every chunk, a post scored by its best chunk; " +
                                             "hybrid = RRF with the keyword leg; storage is the vector column per chunk (pgvector: 4 bytes per dimension + 8)."));

        static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
        static string Percent(double share, string format) => (100 * share).ToString(format, CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Opens the index, finds the active encoder, and runs <paramref name="action"/> with the whitening store.</summary>
    private static async Task<int> WithStoreAsync(IConfiguration configuration,
        Func<WhiteningStore, EncoderModelRecord, WhiteningOptions, Task<int>> action)
    {
        var storeOptions = configuration.GetIndexStoreOptions();
        var whiteningOptions = configuration.GetWhiteningOptions();
        await using var dataSource = IndexDataSource.Create(storeOptions.ConnectionString);
        await new MigrationRunner(dataSource, storeOptions.ResolveMigrationsPath()).MigrateAsync();
        var model = await new IndexWriter(dataSource).GetActiveModelAsync();
        if (model is null)
        {
            Log.Fatal("The index has no vectors yet: run the service (or bsi reindex) before fitting whitening.");
            return ExitCodes.Failure;
        }
        try
        {
            return await action(new WhiteningStore(dataSource, whiteningOptions), model, whiteningOptions);
        }
        catch (Exception e) when (e is WhiteningFitException or ArgumentException or InvalidOperationException)
        {
            Log.Fatal("{Reason}", e.Message);
            return ExitCodes.Failure;
        }
    }
}
