using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

public static class AnalyticsServiceCollectionExtensions
{
    /// <summary>
    /// The search log (bound from <c>Analytics</c>), its writer and purge as hosted services, and the reader behind
    /// <c>GET /admin/analytics</c>. The host provides the singleton <see cref="NpgsqlDataSource"/>.
    /// </summary>
    public static IServiceCollection AddSearchAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSection<AnalyticsOptions>(configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AnalyticsOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SearchLog>();
        services.AddSingleton(sp => new SearchAnalytics(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddHostedService<SearchLogWriter>();
        services.AddHostedService<SearchLogRetention>();
        return services;
    }
}
