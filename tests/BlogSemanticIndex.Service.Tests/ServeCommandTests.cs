using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Service.Tests;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_migrates_answers_healthz_with_json_and_stops_cleanly_on_sigterm()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        var url = $"http://127.0.0.1:{FreePort()}";
        using var bsi = BsiProcess.Start(Environment(database.ConnectionString), "serve", "--urls", url);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var response = await WaitForHealthzAsync(http, url, bsi);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        // The encoder loads in the background: degraded until then, healthy after.
        var health = await WaitForHealthyAsync(http, url, bsi);
        var databaseCheck = health.RootElement.GetProperty("checks").GetProperty("database");
        Assert.Equal("healthy", databaseCheck.GetProperty("status").GetString());
        Assert.True(databaseCheck.GetProperty("data").GetProperty("schemaVersion").GetInt32() >= 1);
        var modelCheck = health.RootElement.GetProperty("checks").GetProperty("model");
        Assert.Equal("builtin:minilm", modelCheck.GetProperty("data").GetProperty("model").GetString());
        Assert.Equal(384, modelCheck.GetProperty("data").GetProperty("dimensions").GetInt32());
        // No blog, so no indexer: the one encoder embeds queries, in the query precision (on a bf16 CPU the faster one).
        var queryPrecision = QueryPrecisionAssert.Measured(modelCheck.GetProperty("data"));
        Assert.Equal(queryPrecision, modelCheck.GetProperty("data").GetProperty("precision").GetString());
        // The node's keyword index is built (from an empty store here) and current.
        var keywordIndexCheck = health.RootElement.GetProperty("checks").GetProperty("keywordIndex");
        Assert.True(keywordIndexCheck.GetProperty("data").GetProperty("ready").GetBoolean());
        Assert.InRange(keywordIndexCheck.GetProperty("data").GetProperty("lagSeconds").GetDouble(), 0, 5);
        // So is its vector index, holding nothing while no encoder model is active.
        var vectorIndexCheck = health.RootElement.GetProperty("checks").GetProperty("vectorIndex");
        Assert.True(vectorIndexCheck.GetProperty("data").GetProperty("ready").GetBoolean());
        Assert.Equal(0, vectorIndexCheck.GetProperty("data").GetProperty("chunks").GetInt32());

        // Twice, as a terminal's Ctrl+C under `dotnet run` or `kill` of a process group delivers it: the second signal
        // must not crash the shutdown the first one started.
        bsi.Terminate();
        await Task.Delay(300);
        bsi.Terminate();
        Assert.Equal(0, await bsi.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("shutting down", bsi.Output);
        Assert.DoesNotContain("Exception", bsi.Output);
        // The query segmenter's dictionary is loaded before the service listens, not by the first Chinese search: the
        // line shows a question segmented by it.
        var segmenterLoaded = bsi.Output.IndexOf("Query segmenter (jieba) loaded", StringComparison.Ordinal);
        Assert.Contains("数据库查询很慢怎么办 → 数据库/查询/", bsi.Output);
        Assert.InRange(segmenterLoaded, 0, bsi.Output.IndexOf("Now listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_metrics_turned_off_there_is_no_metrics_endpoint()
    {
        await using var database = await TestIndexDatabase.CreateAsync(migrate: false);
        var url = $"http://127.0.0.1:{FreePort()}";
        var environment = Environment(database.ConnectionString);
        environment["BSI__Metrics__Enabled"] = "false";
        using var bsi = BsiProcess.Start(environment, "serve", "--urls", url);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitForHealthzAsync(http, url, bsi);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{url}/metrics")).StatusCode);

        bsi.Terminate();
        Assert.Equal(0, await bsi.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_wrong_database_password_gives_one_clear_line_and_a_nonzero_exit()
    {
        var wrong = new NpgsqlConnectionStringBuilder(TestIndexDatabase.ServerConnectionString) { Password = "wrong-password" }.ConnectionString;

        var (exitCode, output) = await BsiProcess.RunAsync(Environment(wrong), "serve", "--urls", $"http://127.0.0.1:{FreePort()}");

        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var fatal = Assert.Single(lines, l => l.Contains("FTL"));
        Assert.Contains("wrong password for role \"bsi\"", fatal);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    internal static Dictionary<string, string> Environment(string connectionString) => new()
    {
        ["BSI__IndexStore__ConnectionString"] = connectionString,
    };

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<JsonDocument> WaitForHealthyAsync(HttpClient http, string url, BsiProcess bsi)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var health = JsonDocument.Parse(await http.GetStringAsync($"{url}/healthz"));
            var status = health.RootElement.GetProperty("status").GetString();
            if (status == "healthy")
            {
                return health;
            }
            Assert.True(status == "degraded" && DateTime.UtcNow < deadline, $"/healthz stayed {status}: {health.RootElement}\n{bsi.Output}");
            await Task.Delay(250);
        }
    }

    internal static async Task<HttpResponseMessage> WaitForHealthzAsync(HttpClient http, string url, BsiProcess bsi)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await http.GetAsync($"{url}/healthz");
            }
            // Refused while Kestrel is not yet listening; a timeout while a loaded machine starts the process.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw new InvalidOperationException($"bsi serve never answered: {e.Message}\n{bsi.Output}");
            }
        }
    }
}
