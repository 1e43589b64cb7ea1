using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Settings;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>The sections commands read before (or without) a host, through the same checks the host runs at start.</summary>
internal static class ConfigurationExtensions
{
    public static IndexStoreOptions GetIndexStoreOptions(this IConfiguration configuration) => configuration.GetValidatedSection<IndexStoreOptions>();

    public static EncoderOptions GetEncoderOptions(this IConfiguration configuration) => configuration.GetValidatedSection<EncoderOptions>();

    public static WhiteningOptions GetWhiteningOptions(this IConfiguration configuration) => configuration.GetValidatedSection<WhiteningOptions>();

    public static AdminOptions GetAdminOptions(this IConfiguration configuration) => configuration.GetValidatedSection<AdminOptions>();

    public static MetricsOptions GetMetricsOptions(this IConfiguration configuration) => configuration.GetValidatedSection<MetricsOptions>();
}
