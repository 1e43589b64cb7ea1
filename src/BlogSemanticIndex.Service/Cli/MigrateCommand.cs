using System.CommandLine;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Storage;
using Serilog;

namespace BlogSemanticIndex.Service.Cli;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending schema migrations to the index database (the service also does this at start).");
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, async configuration =>
        {
            var options = configuration.GetIndexStoreOptions();
            await using var dataSource = IndexDataSource.Create(options.ConnectionString);
            var runner = new MigrationRunner(dataSource, options.ResolveMigrationsPath());
            var applied = await runner.MigrateAsync();
            foreach (var migration in applied)
            {
                Log.Information("Applied {Migration}", migration.FileName);
            }
            var version = (await runner.ReadAppliedAsync()).Max(a => a.Version);
            Log.Information(applied.Count == 0 ? "Schema is up to date at version {Version}" : "Schema now at version {Version}", version);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
