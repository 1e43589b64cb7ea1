using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Indexing.Tests;

public sealed class IndexerOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new IndexerOptions().Validate());

    [Theory]
    [InlineData("PollInterval", "00:00:00")]
    [InlineData("Cron", "every five minutes")]
    [InlineData("PageSize", "0")]
    [InlineData("SourceName", "my blog")]
    [InlineData("EmbedBatchSize", "0")]
    [InlineData("RetryAttempts", "-1")]
    [InlineData("RetryMaxDelay", "00:00:00.001")]
    [InlineData("SchedulerName", " ")]
    public void An_invalid_setting_is_reported_by_its_name(string setting, string value)
    {
        var options = Bind(setting, value);

        var error = Assert.Single(options.Validate());
        Assert.StartsWith($"Indexer:{setting} ", error);
    }

    [Fact]
    public void A_valid_cron_expression_is_accepted() => Assert.Empty(Bind("Cron", "0 */5 * * * ?").Validate());

    [Fact]
    public void The_service_refuses_to_start_with_an_invalid_setting_and_names_it()
    {
        var configuration = Configuration(("Indexer:PageSize", "0"), ("IndexStore:ConnectionString", "Host=localhost"));
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddIndexing(configuration));
        Assert.Contains("Indexer:PageSize", error.Message);

        var services = new ServiceCollection().AddIndexingPipeline(Configuration(("Blog:ConnectionString", "")));
        using var provider = services.BuildServiceProvider();
        var invalid = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sources.BlogSourceOptions>>().Value);
        Assert.Contains("Blog:ConnectionString", invalid.Message);
    }

    private static IndexerOptions Bind(string setting, string value) =>
        Configuration(($"Indexer:{setting}", value)).GetSection(IndexerOptions.SectionName).Get<IndexerOptions>()!;

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
