using System.CommandLine;
using System.Globalization;
using BlogSemanticIndex.Service.Hosting;
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
