using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Net;
using System.Text.Json;
using BlogSemanticIndex.TestSupport;
using Npgsql;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// <c>bsi serve</c> reaching its index database through a proxy the test can freeze (a wedged server: connections
/// accepted, nothing answered) or cut (a stopped server).
/// </summary>
public sealed class IndexDatabaseFaultTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private TestIndexDatabase _database = null!;
    private FreezableTcpProxy _proxy = null!;
    private BsiProcess _bsi = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _database = await TestIndexDatabase.CreateAsync(migrate: false);
        var server = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _proxy = new FreezableTcpProxy(server.Host!, server.Port);
        server.Host = "127.0.0.1";
        server.Port = _proxy.Port;
        var environment = ServeCommandTests.Environment(server.ConnectionString);
        environment["BSI__Search__Timeout"] = "00:00:01.5";
        _url = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
        _bsi = BsiProcess.Start(environment, "serve", "--urls", _url);
        await ServeCommandTests.WaitForHealthzAsync(_http, _url, _bsi);
        // The first searches load code and open connections, which on a busy machine can take longer than the timeout.
        await WaitForSearchAsync();
    }

    [Fact]
    public async Task A_frozen_database_gets_a_fast_503_and_a_fast_healthz_and_aborted_requests_are_499_not_500()
    {
        _proxy.Freeze();

        // /healthz results are up to a second old (CachedHealthCheck): poll as a load balancer does; every answer is fast.
        var clock = Stopwatch.StartNew();
        HttpResponseMessage health;
        var healthSeconds = 0.0;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        // Each check's result may be up to a second old, and the checks refresh independently: poll until the database
        // check itself has run against the frozen database.
        string? databaseStatus;
        do
        {
            clock.Restart();
            health = await _http.GetAsync($"{_url}/healthz");
            healthSeconds = Math.Max(healthSeconds, clock.Elapsed.TotalSeconds);
            databaseStatus = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement
                .GetProperty("checks").GetProperty("database").GetProperty("status").GetString();
        }
        while (databaseStatus != "unhealthy" && DateTime.UtcNow < deadline);
        clock.Restart();
        var search = await _http.GetAsync($"{_url}/search?q=frozen&mode=keyword");
        var searchSeconds = clock.Elapsed.TotalSeconds;
        using (var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) })
        {
            await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.GetAsync($"{_url}/search?q=impatient&mode=keyword"));
        }
        // Before thawing: a search whose client left must end as 499 while the database is still frozen; thawed at once,
        // it could finish with a 200 before the server noticed the client had gone (seen on a loaded CI machine).
        await WaitForOutputAsync("responded 499");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.True(healthSeconds < 1.5, $"/healthz took {healthSeconds:F1} s");
        Assert.Equal("unhealthy", databaseStatus);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, search.StatusCode);
        Assert.True(searchSeconds < 3.5, $"/search took {searchSeconds:F1} s with Search:Timeout 1.5 s");

        _proxy.Thaw();
        await WaitForSearchAsync();
        Assert.DoesNotContain("responded 500", _bsi.Output);
    }

    [Fact]
    public async Task An_outage_is_logged_once_with_a_count_not_once_per_request_with_a_stack()
    {
        _proxy.Cut();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync($"{_url}/search?q=outage{i}&mode=keyword")).StatusCode);
        }
        _proxy.Restore();
        await WaitForSearchAsync();
        await WaitForOutputAsync("is back after");

        var lines = _bsi.Output.Split('\n');
        Assert.True(lines.Count(l => l.Contains("index database is unavailable", StringComparison.Ordinal)) == 1, _bsi.Output);
        // The five searches, and any that met a connection the cut had broken before the pool noticed.
        var back = Assert.Single(lines, l => l.Contains("is back after", StringComparison.Ordinal));
        Assert.InRange(int.Parse(Regex.Match(back, @"(\d+) requests answered 503").Groups[1].Value, CultureInfo.InvariantCulture), 5, 8);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private async Task WaitForSearchAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _http.GetAsync($"{_url}/search?q=back&mode=keyword")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, _bsi.Output);
            await Task.Delay(200);
        }
    }

    private async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_bsi.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no \"{text}\" in:\n{_bsi.Output}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        _bsi?.Dispose();
        _proxy.Thaw();
        await _proxy.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _http.Dispose();
}
