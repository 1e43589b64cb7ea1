using System.CommandLine;
using BlogSemanticIndex.Search.Keyword;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace BlogSemanticIndex.Service.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = "Where to listen, e.g. http://127.0.0.1:5280 (default: the Urls setting)",
        };
        var command = new Command("serve", "Run the service: keep the index in sync and answer HTTP requests until stopped (SIGTERM, Ctrl+C).");
        command.Options.Add(urls);
        command.SetAction(parseResult => CommandRunner.RunAsync(parseResult, configuration =>
            ServeAsync(configuration, parseResult.GetValue(urls))));
        return command;
    }

    internal static async Task<int> ServeAsync(IConfigurationRoot configuration, string? urls)
    {
        var app = BsiHost.Build(configuration, urls);
        await using (app)
        {
            // Migrate before listening, so a wrong password or an edited migration stops the
            // start with one clear line instead of a service that answers 500s.
            var applied = await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync();
            foreach (var migration in applied)
            {
                Log.Information("Applied {Migration}", migration.FileName);
            }
            // Keyword statistics of chunks indexed before they existed (or by an older build): cheap when none are missing.
            var rebuilt = await app.Services.GetRequiredService<KeywordIndexWriter>().RebuildAllAsync(app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>());
            if (rebuilt > 0)
            {
                Log.Information("Built keyword statistics of {Posts} posts", rebuilt);
            }
            await app.RunAsync();
        }
        return ExitCodes.Ok;
    }
}
