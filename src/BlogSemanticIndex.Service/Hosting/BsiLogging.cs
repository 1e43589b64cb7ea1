using System.Globalization;
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
        // A failed start is reported by CommandRunner (one line for what an operator can fix, the exception otherwise);
        // the host's own report of it would add a stack trace to that one line.
        var logger = new LoggerConfiguration().Enrich.FromLogContext()
            .Filter.ByExcluding(e => e.MessageTemplate.Text == "Hosting failed to start");
        if (configuration.GetSection("Serilog").Exists())
        {
            logger.ReadFrom.Configuration(configuration);
        }
        else
        {
            // Operator-facing text, rendered in the machine's culture as the sinks of a Serilog section render it.
            logger.WriteTo.Console(formatProvider: CultureInfo.CurrentCulture);
        }
        Log.Logger = logger.CreateLogger();
    }
}
