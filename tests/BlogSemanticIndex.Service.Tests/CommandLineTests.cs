using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("migrate", "--help")]
    [InlineData("status", "--help")]
    [InlineData("whitening", "fit", "--help")]
    [InlineData("model", "pull", "--help")]
    [InlineData("embed", "--help")]
    public async Task Every_command_has_help(params string[] args)
    {
        var (exitCode, output) = await BsiProcess.RunAsync(null, args);

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output);
        Assert.Contains("--config", output);
    }

    [Fact]
    public async Task Migrate_then_status_reports_the_schema_and_an_empty_index()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        var environment = ServeCommandTests.Environment(database.ConnectionString);

        var migrate = await BsiProcess.RunAsync(environment, "migrate");
        var again = await BsiProcess.RunAsync(environment, "migrate");
        var status = await BsiProcess.RunAsync(environment, "status");

        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains("Applied V001__init.sql", migrate.Output);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("up to date", again.Output);
        Assert.Equal(0, status.ExitCode);
        Assert.Matches(@"posts indexed\s*│\s*0", status.Output);
        Assert.Matches(@"pending\s*│\s*\(no blog configured\)", status.Output);
    }

    [Fact]
    public async Task Flags_override_environment_settings()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var broken = ServeCommandTests.Environment("Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2");

        var status = await BsiProcess.RunAsync(broken, "status", "--set", $"IndexStore:ConnectionString={database.ConnectionString}");

        Assert.Equal(0, status.ExitCode);
    }

    [Fact]
    public async Task A_malformed_setting_is_a_usage_error()
    {
        var (exitCode, output) = await BsiProcess.RunAsync(null, "status", "--set", "no-equals-sign");

        Assert.Equal(2, exitCode);
        Assert.Contains("Section:Key=value", output);
    }

    [Fact]
    public async Task Encoding_one_text_on_the_cpu_logs_no_nnpack_warnings()
    {
        // A batch of one is what every search query is. libtorch probed NNPACK for each of its 24 dense layers and, on
        // CPUs NNPACK does not support, logged a line each time; the encoder switches the probe off.
        var (exitCode, output) = await BsiProcess.RunAsync(null, "embed", "how do I tune pgvector");

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("NNPACK", output);
    }

    [Fact]
    public async Task Embed_prints_one_unit_vector_per_text_with_chinese_kept_readable()
    {
        var (exitCode, output) = await BsiProcess.RunAsync(null, "embed", "新词发现算法", "hello world");

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("新词发现算法", lines[0].GetProperty("text").GetString());
        foreach (var line in lines)
        {
            var vector = line.GetProperty("vector").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(384, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => v * v)), 3);
        }
    }

    [Fact]
    public async Task Whitening_fit_on_an_empty_index_says_what_to_do_first()
    {
        await using var database = await TestIndexDatabase.CreateAsync();

        var (exitCode, output) = await BsiProcess.RunAsync(ServeCommandTests.Environment(database.ConnectionString), "whitening", "fit");

        Assert.Equal(1, exitCode);
        Assert.Contains("no vectors yet", output);
    }

    [Fact]
    public async Task An_invalid_encoder_setting_names_the_setting_and_the_allowed_values()
    {
        var (exitCode, output) = await BsiProcess.RunAsync(null, "model", "info", "--set", "Encoder:Precision=fp8");

        Assert.Equal(2, exitCode);
        Assert.Contains("Encoder:Precision 'fp8'", output);
        Assert.Contains("fp32", output);
    }

    [Theory]
    [InlineData("Http:TrustedProxies=10.0.0.5,not-an-address", "Http:TrustedProxies has \"not-an-address\"")]
    [InlineData("Analytics:RetentionDays=-1", "Analytics:RetentionDays is -1")]
    [InlineData("Admin:RateLimitPerMinute=-5", "Admin:RateLimitPerMinute is -5")]
    public async Task A_bad_limit_proxy_or_analytics_setting_stops_serve_with_one_line_and_exit_code_2(string setting, string message)
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);

        var (exitCode, output) = await BsiProcess.RunAsync(ServeCommandTests.Environment(database.ConnectionString),
            "serve", "--urls", $"http://127.0.0.1:{ServeCommandTests.FreePort()}", "--set", setting);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, output);
        Assert.DoesNotContain(output.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_counts_the_visible_posts_the_index_still_lacks_as_pending()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var blog = Path.Combine(Path.GetTempPath(), $"bsi-status-{Guid.NewGuid():N}.db");
        try
        {
            var summary = BlogSemanticIndex.Demo.DemoBlog.Create(blog, postCount: 30);
            var environment = ServeCommandTests.Environment(database.ConnectionString);
            environment["BSI__Blog__Provider"] = "sqlite";
            environment["BSI__Blog__ConnectionString"] = $"Data Source={blog}";

            var (exitCode, output) = await BsiProcess.RunAsync(environment, "status");

            Assert.Equal(0, exitCode);
            Assert.Matches($@"pending\s*│\s*{summary.Visible}\s", output);
        }
        finally
        {
            File.Delete(blog);
        }
    }

    [Fact]
    public async Task Reindex_then_search_finds_a_chinese_post_by_words_it_never_contains_together()
    {
        await using var database = await TestIndexDatabase.CreateAsync();
        var blog = Path.Combine(Path.GetTempPath(), $"bsi-search-{Guid.NewGuid():N}.db");
        try
        {
            var summary = BlogSemanticIndex.Demo.DemoBlog.Create(blog, postCount: 30);
            var environment = ServeCommandTests.Environment(database.ConnectionString);
            environment["BSI__Blog__Provider"] = "sqlite";
            environment["BSI__Blog__ConnectionString"] = $"Data Source={blog}";

            var reindex = await BsiProcess.RunAsync(environment, "reindex", "--all");
            var search = await BsiProcess.RunAsync(environment, "search", "新词算法", "--mode", "keyword");

            Assert.True(reindex.ExitCode == 0, reindex.Output);
            Assert.Matches($@"posts written\s*│\s*{summary.Visible}\s", reindex.Output);
            Assert.True(search.ExitCode == 0, search.Output);
            Assert.Contains("新词发现", search.Output);
            Assert.Contains("mode keyword", search.Output);
        }
        finally
        {
            File.Delete(blog);
        }
    }
}
