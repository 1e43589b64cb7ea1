using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// The configuration every bsi command reads, lowest precedence first: appsettings.json beside the
/// binary, appsettings.{BSI_ENVIRONMENT}.json, the file named by --config, environment variables
/// <c>BSI__Section__Key</c>, then <c>--set Section:Key=value</c> flags.
/// </summary>
public static class BsiConfiguration
{
    public static IConfigurationRoot Build(FileInfo? configFile, IEnumerable<string> settings)
    {
        var environment = Environment.GetEnvironmentVariable("BSI_ENVIRONMENT") ?? "Production";
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true);
        if (configFile is not null)
        {
            if (!configFile.Exists)
            {
                throw new FileNotFoundException($"configuration file not found: {configFile.FullName}");
            }
            builder.AddJsonFile(configFile.FullName, optional: false);
        }
        builder.AddEnvironmentVariables("BSI__");
        builder.AddInMemoryCollection(ParseSettings(settings));
        return builder.Build();
    }

    private static IEnumerable<KeyValuePair<string, string?>> ParseSettings(IEnumerable<string> settings)
    {
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=');
            if (equals <= 0)
            {
                throw new ArgumentException($"--set expects Section:Key=value, got '{setting}'");
            }
            yield return new(setting[..equals].Trim(), setting[(equals + 1)..]);
        }
    }
}
