using BlogSemanticIndex.Analytics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

public static class AnalyticsServiceCollectionExtensions
{
    /// <summary>
    /// The search log (bound from <c>Analytics</c>), its writer and purge as hosted services, and the reader behind
    /// <c>GET /admin/analytics</c>. The host provides the singleton <see cref="NpgsqlDataSource"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public static IServiceCollection AddSearchAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new AnalyticsOptions();
        configuration.GetSection(AnalyticsOptions.SectionName).Bind(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SearchLog>();
        services.AddSingleton(sp => new SearchAnalytics(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddHostedService<SearchLogWriter>();
        services.AddHostedService<SearchLogRetention>();
        return services;
    }
}
