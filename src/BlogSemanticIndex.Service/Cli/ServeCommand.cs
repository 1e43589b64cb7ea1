using System.Runtime.InteropServices;
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
        ValidateUrls(urls ?? configuration["Urls"]);
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
            // The host's own handler stops on the first signal but is gone once the host is disposed; a second SIGTERM or
            // Ctrl+C (a terminal under `dotnet run`, `kill` of a process group) arriving meanwhile, or while the process
            // exits, would kill it mid-shutdown with exit code 143. These registrations live until the process ends.
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            StopSignals.Register(lifetime);
            try
            {
                await app.RunAsync();
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // The background services have started by the time Kestrel fails to bind. Stopped (not only disposed), they
                // end as a stop: disposed unstopped, each cancelled one counts as failed, and the host may log it and a
                // fatal "stopping the host" line beside this one (five lines instead of one, seen under load in CI).
                await app.StopAsync();
                throw new OptionsValidationFailure($"Urls (--urls): {e.Message} Stop the other process or choose another port.");
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>Each of the <c>;</c>-separated addresses parses as Kestrel will parse it, before anything starts.</summary>
    private static void ValidateUrls(string? urls)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var address = Microsoft.AspNetCore.Http.BindingAddress.Parse(url);
                if (address.Scheme is not ("http" or "https"))
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                throw new OptionsValidationFailure(
                    $"Urls (--urls) has '{url}'; allowed: http:// or https:// addresses such as http://127.0.0.1:5280, separated by ';'.");
            }
        }
    }
}

/// <summary>Every SIGTERM and SIGINT means "stop gracefully", for the whole life of the process (see ServeAsync).</summary>
internal static class StopSignals
{
    // Held for the process's lifetime: a collected registration would stop handling the signal.
    private static readonly List<PosixSignalRegistration> Registrations = [];

    public static void Register(IHostApplicationLifetime lifetime)
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
        {
            Registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                try
                {
                    lifetime.StopApplication();
                }
                catch (ObjectDisposedException)
                {
                    // The host is already gone: the process is on its way out, which is what the signal asked for.
                }
            }));
        }
    }
}
