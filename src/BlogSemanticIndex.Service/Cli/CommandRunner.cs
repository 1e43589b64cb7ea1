using System.CommandLine;
using BlogSemanticIndex.Service.Hosting;
using BlogSemanticIndex.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Serilog;

namespace BlogSemanticIndex.Service.Cli;

/// <summary>Options every command accepts, and the shared way a command reads configuration and fails.</summary>
internal static class CommandRunner
{
    public static readonly Option<FileInfo?> ConfigFile = new("--config")
    {
        Description = "An extra JSON settings file, read after appsettings.json",
        Recursive = true,
    };

    public static readonly Option<string[]> Settings = new("--set")
    {
        Description = "Override one setting, e.g. --set IndexStore:ConnectionString=\"Host=…\" (repeatable)",
        Recursive = true,
    };

    /// <summary>
    /// Builds configuration and logging, runs the command, and turns the failures an operator can fix
    /// (bad settings, an unreachable database, a refused migration) into one log line and an exit code.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Func<IConfigurationRoot, Task<int>> command)
    {
        IConfigurationRoot configuration;
        try
        {
            configuration = BsiConfiguration.Build(parseResult.GetValue(ConfigFile), parseResult.GetValue(Settings) ?? []);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync($"bsi: {e.Message}");
            return ExitCodes.BadConfiguration;
        }

        BsiLogging.Configure(configuration);
        if (Console.IsOutputRedirected)
        {
            // Spectre.Console assumes 80 columns when not writing to a terminal and wraps tables cell by cell;
            // piped into a file or a pager, a table should keep one row per line.
            Spectre.Console.AnsiConsole.Profile.Width = 240;
        }
        try
        {
            return await command(configuration);
        }
        catch (Exception e) when (e is OptionsValidationFailure or Microsoft.Extensions.Options.OptionsValidationException)
        {
            Log.Fatal("Invalid configuration: {Reason}", e.Message);
            return ExitCodes.BadConfiguration;
        }
        catch (InvalidOperationException e) when (ConfigurationValueError.Describe(e) is { } reason)
        {
            Log.Fatal("Invalid configuration: {Reason}", reason);
            return ExitCodes.BadConfiguration;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            var connectionString = configuration.GetSection(IndexStoreOptions.SectionName)[nameof(IndexStoreOptions.ConnectionString)] ?? "";
            Log.Fatal("{Reason}", IndexDataSource.DescribeConnectionFailure(connectionString, e));
            return ExitCodes.DatabaseUnavailable;
        }
        catch (MigrationException e)
        {
            Log.Fatal("Schema migration refused: {Reason}", e.Message);
            return ExitCodes.MigrationRefused;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}

/// <summary>A setting that is missing or out of range; the message names it and the allowed values.</summary>
internal sealed class OptionsValidationFailure(string message) : Exception(message);

/// <summary>The configuration binder's failure to convert a value (<c>PollInterval=abc</c>) as one line naming the key.</summary>
internal static partial class ConfigurationValueError
{
    /// <summary>Key, value and what is allowed; null when <paramref name="error"/> is not a conversion failure.</summary>
    public static string? Describe(InvalidOperationException error)
    {
        var match = BinderMessage().Match(error.Message);
        if (!match.Success)
        {
            return null;
        }
        var (value, key, type) = (match.Groups["value"].Value, match.Groups["key"].Value, match.Groups["type"].Value);
        var allowed = type switch
        {
            "System.TimeSpan" => "a duration such as 00:00:30 (hh:mm:ss)",
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" => "a number such as 0.25",
            "System.Boolean" => "true or false",
            _ => $"a {type.Split('.')[^1]}",
        };
        return $"{key} is '{value}'; allowed: {allowed}.";
    }

    // Microsoft.Extensions.Configuration.Binder's message (SR.FailedBinding).
    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BinderMessage();
}
