using Microsoft.Extensions.Configuration;
using Serilog;

namespace BlogSemanticIndex.Service.Hosting;

public static class BsiLogging
{
    /// <summary>
    /// Sets the process-wide Serilog logger from the <c>Serilog</c> configuration section (sinks,
    /// levels, the rolling file); without one, logs go to the console.
    /// </summary>
    public static void Configure(IConfiguration configuration)
    {
        var logger = new LoggerConfiguration().Enrich.FromLogContext();
        if (configuration.GetSection("Serilog").Exists())
        {
            logger.ReadFrom.Configuration(configuration);
        }
        else
        {
            logger.WriteTo.Console();
        }
        Log.Logger = logger.CreateLogger();
    }
}
