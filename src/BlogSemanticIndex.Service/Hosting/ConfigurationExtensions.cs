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
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the offending keyword; the value itself is not repeated, since it may hold the password.
            throw new OptionsValidationFailure($"IndexStore:ConnectionString is not a valid PostgreSQL connection string: {e.Message}");
        }
        return options;
    }

    public static EncoderOptions GetEncoderOptions(this IConfiguration configuration) =>
        configuration.GetValidated<EncoderOptions>(EncoderOptions.SectionName, o => o.Validate());

    public static WhiteningOptions GetWhiteningOptions(this IConfiguration configuration) =>
        configuration.GetValidated<WhiteningOptions>(WhiteningOptions.SectionName, o => o.Validate());

    public static AdminOptions GetAdminOptions(this IConfiguration configuration) =>
        configuration.GetValidated<AdminOptions>(AdminOptions.SectionName, o => o.Validate());

    public static MetricsOptions GetMetricsOptions(this IConfiguration configuration) =>
        configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();

    /// <summary>Binds a section; every problem the options class reports (each naming its setting) fails the command.</summary>
    private static T GetValidated<T>(this IConfiguration configuration, string section, Func<T, IReadOnlyList<string>> validate)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var errors = validate(options);
        return errors.Count == 0 ? options : throw new OptionsValidationFailure(string.Join(" ", errors));
    }
}
