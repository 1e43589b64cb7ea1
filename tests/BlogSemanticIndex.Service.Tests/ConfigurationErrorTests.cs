using System.Net;
using System.Net.Sockets;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>Every bad setting stops the command before it does anything, with one line naming the key and exit code 2.</summary>
public sealed class ConfigurationErrorTests
{
    public static TheoryData<string, string[], string> BadSettings => new()
    {
        { "Indexer:PollInterval", ["serve", "--set", "Indexer:PollInterval=abc", "--set", "Blog:Provider=sqlite", "--set", "Blog:ConnectionString=Data Source=/nonexistent/blog.db"], "'abc'" },
        { "Search:RateLimitPerMinute", ["serve", "--set", "Search:RateLimitPerMinute=abc"], "'abc'" },
        { "IndexStore:ConnectionString", ["serve", "--set", "IndexStore:ConnectionString=Host=127.0.0.1;Bogus Key=1"], "bogus key" },
        { "Urls", ["serve", "--urls", "notaurl"], "notaurl" },
        { "Whitening:Dims", ["serve", "--set", "Whitening:Dims=100000"], "100000" },
        { "Admin:Token", ["serve", "--set", "Admin:Token=short"], "32" },
        { "Search:Timeout", ["serve", "--set", "Search:Timeout=00:10:00"], "00:10:00" },
        { "--page", ["search", "anything", "--page", "-5"], "-5" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_prints_one_line_naming_it_and_exits_2(string key, string[] args, string value)
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        // A free port, so a setting that were wrongly accepted would serve there rather than on the shared default.
        string[] urls = args[0] == "serve" && !args.Contains("--urls") ? ["--urls", $"http://127.0.0.1:{ServeCommandTests.FreePort()}"] : [];
        var (exitCode, output) = await BsiProcess.RunAsync(ServeCommandTests.Environment(database.ConnectionString), [.. args, .. urls]);

        AssertOneLine(output, key, value);
        Assert.Equal(2, exitCode);
    }

    [Fact]
    public async Task A_port_in_use_prints_one_line_naming_it_and_exits_2()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";

        var (exitCode, output) = await BsiProcess.RunAsync(ServeCommandTests.Environment(database.ConnectionString), "serve", "--urls", url);

        AssertOneLine(output, url, "in use");
        Assert.Equal(2, exitCode);
    }

    [Fact]
    public async Task Admin_token_prints_a_new_token_long_enough_for_Admin_Token()
    {
        var (firstExit, first) = await BsiProcess.RunAsync(null, "admin", "token");
        var (_, second) = await BsiProcess.RunAsync(null, "admin", "token");

        Assert.Equal(0, firstExit);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first.Trim());
        Assert.NotEqual(first.Trim(), second.Trim());
    }

    public static TheoryData<string, string> SettingsCarryingSecrets => new()
    {
        { "IndexStore:ConnectionString=Host=127.0.0.1;Password=pw-4f1c9e;Bogus Key=1", "pw-4f1c9e" },
        { $"IndexStore:ConnectionString={new NpgsqlConnectionStringBuilder(TestIndexDatabase.ServerConnectionString) { Password = "pw-8d2b7a" }}", "pw-8d2b7a" },
        { "Admin:Token=token-3a9e51", "token-3a9e51" },
    };

    [Theory]
    [MemberData(nameof(SettingsCarryingSecrets))]
    public async Task A_setting_that_stops_the_service_is_reported_without_the_secret_it_carries(string setting, string secret)
    {
        var (exitCode, output) = await BsiProcess.RunAsync(null, "serve", "--urls", $"http://127.0.0.1:{ServeCommandTests.FreePort()}", "--set", setting);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(" FTL] ", output);
        Assert.DoesNotContain(secret, output);
    }

    private static void AssertOneLine(string output, string key, string value)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.Contains(" FTL] ", StringComparison.Ordinal) || l.Contains(" ERR] ", StringComparison.Ordinal)
                                      || l.StartsWith("bsi:", StringComparison.Ordinal) || l.Contains("xception", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, $"expected one error line, got {errors.Count}:\n{output}");
        var error = errors[0];
        Assert.Contains(key, error);
        Assert.Contains(value, error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }
}
