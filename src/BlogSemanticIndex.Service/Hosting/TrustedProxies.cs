using System.Net;
using BlogSemanticIndex.Service.Cli;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>
/// <c>Http:TrustedProxies</c>: the peers whose <c>X-Forwarded-For</c> names the real client (the Typecho plugin sends its
/// visitor's address), so per-client limits apply per visitor. From any other peer the header is ignored, so a client
/// cannot escape its limit by inventing addresses.
/// </summary>
internal static class TrustedProxies
{
    public const string Setting = "Http:TrustedProxies";

    /// <summary>Loopback: the plugin on the same machine as the service.</summary>
    public static readonly string[] Default = ["127.0.0.0/8", "::1"];

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var entries = Read(configuration);
        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in entries)
        {
            if (entry.Contains('/') && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (!entry.Contains('/') && IPAddress.TryParse(entry, out var address))
            {
                proxies.Add(address);
            }
            else
            {
                throw new OptionsValidationFailure(
                    $"{Setting} has \"{entry}\"; allowed: addresses (10.0.0.5, ::1) or networks (10.0.0.0/8, fd00::/8), comma-separated or as a list.");
            }
        }
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Replaces the framework's own loopback defaults: only what the setting names is trusted.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
        });
        return services;
    }

    /// <summary>A list (<c>Http:TrustedProxies:0</c>, …) or one comma-separated value; absent means loopback, empty means nobody.</summary>
    private static IReadOnlyList<string> Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Setting);
        var values = section.Value is { } single
            ? single.Split(',')
            : section.GetChildren().Select(c => c.Value ?? "").ToArray();
        if (section.Value is null && values.Length == 0)
        {
            return Default;
        }
        return values.Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
    }
}
