using System.Net;
using System.Text.Json;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// An index built with the builtin encoder, then served by a <c>bsi serve</c> whose model cannot load (a model folder
/// without its files): what needs no query vector keeps working, and what does says why it cannot.
/// </summary>
public sealed class EncoderFailureTests : IAsyncLifetime, IDisposable
{
    private readonly string _blog = Path.Combine(Path.GetTempPath(), $"bsi-noenc-{Guid.NewGuid():N}.db");
    private readonly string _emptyModel = Directory.CreateTempSubdirectory("bsi-empty-model-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private TestIndexDatabase _database = null!;
    private BsiProcess _bsi = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        DemoBlog.Create(_blog, postCount: 20);
        _database = await TestIndexDatabase.CreateAsync(migrate: false);
        var environment = ServeCommandTests.Environment(_database.ConnectionString);
        environment["BSI__Blog__Provider"] = "sqlite";
        environment["BSI__Blog__ConnectionString"] = $"Data Source={_blog}";
        var (exitCode, output) = await BsiProcess.RunAsync(environment, "reindex", "--all");
        Assert.True(exitCode == 0, output);

        environment["BSI__Encoder__Model"] = _emptyModel;
        _url = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
        _bsi = BsiProcess.Start(environment, "serve", "--urls", _url);
        await ServeCommandTests.WaitForHealthzAsync(_http, _url, _bsi);
        // Wait until the failed load is known, so the answers below are the steady state rather than the loading one.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await (await _http.GetAsync($"{_url}/healthz")).Content.ReadAsStringAsync()).Contains("cannot load", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, _bsi.Output);
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Keyword_and_related_answer_hybrid_degrades_and_semantic_is_503_with_the_reason()
    {
        long cid;
        string title;
        await using (var command = _database.DataSource.CreateCommand("SELECT cid, title FROM posts ORDER BY cid LIMIT 1"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            (cid, title) = (reader.GetInt64(0), reader.GetString(1));
        }
        var q = Uri.EscapeDataString(title);

        var keyword = await _http.GetAsync($"{_url}/search?q={q}&mode=keyword");
        var hybrid = await _http.GetAsync($"{_url}/search?q={q}");
        var semantic = await _http.GetAsync($"{_url}/search?q={q}&mode=semantic");
        var related = await _http.GetAsync($"{_url}/posts/{cid}/related");

        Assert.True(keyword.StatusCode == HttpStatusCode.OK, await keyword.Content.ReadAsStringAsync());
        Assert.Contains(cid, Cids(await keyword.Content.ReadAsStringAsync()));
        Assert.True(hybrid.StatusCode == HttpStatusCode.OK, await hybrid.Content.ReadAsStringAsync());
        var hybridBody = await hybrid.Content.ReadAsStringAsync();
        Assert.Contains(cid, Cids(hybridBody));
        Assert.Contains("keyword matches only", hybridBody);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, semantic.StatusCode);
        Assert.Contains("could not be loaded", await semantic.Content.ReadAsStringAsync());
        Assert.True(related.StatusCode == HttpStatusCode.OK, await related.Content.ReadAsStringAsync());
        var metrics = await _http.GetStringAsync($"{_url}/metrics");
        Assert.Contains("bsi_search_requests_total{mode=\"hybrid\",outcome=\"degraded\"} 1", metrics);
        Assert.DoesNotContain(" 500 ", _bsi.Output);
    }

    private static List<long> Cids(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("cid").GetInt64()).ToList();

    public async Task DisposeAsync()
    {
        _bsi?.Dispose();
        await _database.DisposeAsync();
        File.Delete(_blog);
        Directory.Delete(_emptyModel, recursive: true);
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _http.Dispose();
}
