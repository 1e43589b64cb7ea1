using BlogSemanticIndex.Service.Cli;
using BlogSemanticIndex.Embedding;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Configuration;

namespace BlogSemanticIndex.Service.Hosting;

internal static class ConfigurationExtensions
{
    public static IndexStoreOptions GetIndexStoreOptions(this IConfiguration configuration)
    {
        var options = configuration.GetSection(IndexStoreOptions.SectionName).Get<IndexStoreOptions>() ?? new IndexStoreOptions();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new OptionsValidationFailure(
                "IndexStore:ConnectionString is not set (appsettings.json, BSI__IndexStore__ConnectionString or --set IndexStore:ConnectionString=…)");
        }
        return options;
    }

    public static EncoderOptions GetEncoderOptions(this IConfiguration configuration)
    {
        var options = configuration.GetSection(EncoderOptions.SectionName).Get<EncoderOptions>() ?? new EncoderOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationFailure(string.Join(" ", errors));
        }
        return options;
    }

    public static AdminOptions GetAdminOptions(this IConfiguration configuration) =>
        configuration.GetSection(AdminOptions.SectionName).Get<AdminOptions>() ?? new AdminOptions();

    public static WhiteningOptions GetWhiteningOptions(this IConfiguration configuration)
    {
        var options = configuration.GetSection(WhiteningOptions.SectionName).Get<WhiteningOptions>() ?? new WhiteningOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationFailure(string.Join(" ", errors));
        }
        return options;
    }
}
