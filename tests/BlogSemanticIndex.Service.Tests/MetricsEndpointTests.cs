using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// <c>GET /metrics</c> of the service over the demo blog: request latency per route template, the index's state,
/// the embedding and search counters, behind <c>Metrics:Token</c>.
/// </summary>
public sealed class MetricsEndpointTests(MetricsEndpointTests.DemoService service) : IClassFixture<MetricsEndpointTests.DemoService>
{
    private const string Token = "test-metrics-token";

    [Fact]
    public async Task Metrics_need_the_token_when_one_is_set()
    {
        var missing = await service.Http.GetAsync($"{service.Url}/metrics");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, $"{service.Url}/metrics");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-" + Token);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await service.Http.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.ScrapeAsync()).Response.StatusCode);
    }

    [Fact]
    public async Task Metrics_show_route_latencies_index_state_embeddings_and_searches()
    {
        var indexed = await service.WaitForIndexAsync();
        Assert.True(indexed.Value("bsi_index_posts") == service.Summary.Visible, $"{indexed.Value("bsi_index_posts")} posts indexed\n{service.Output}");

        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync($"{service.Url}/search?q=vector&mode=keyword")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync($"{service.Url}/search?q=vector&mode=semantic")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.Http.GetAsync($"{service.Url}/search?q=vector&mode=bogus")).StatusCode);
        await service.Http.GetAsync($"{service.Url}/posts/1/related");
        await service.Http.GetAsync($"{service.Url}/posts/2/related");
        var (response, metrics) = await service.ScrapeAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString());

        // Latency per route template and status code; /metrics itself is not measured.
        Assert.Contains("# TYPE http_request_duration_seconds histogram", metrics.Text);
        Assert.Equal(2, metrics.Value("""http_request_duration_seconds_count{code="200",method="GET",endpoint="/search"}"""));
        Assert.Equal(1, metrics.Value("""http_request_duration_seconds_count{code="400",method="GET",endpoint="/search"}"""));
        Assert.Contains("endpoint=\"/posts/{cid:long}/related\"", metrics.Text);
        Assert.DoesNotContain("/posts/1/related", metrics.Text);
        Assert.DoesNotContain("endpoint=\"/metrics\"", metrics.Text);

        Assert.Equal(1, metrics.Value("bsi_index_database_up"));
        Assert.InRange(metrics.Value("bsi_index_lag_seconds"), 0, 600);
        Assert.Equal(0, metrics.Value("bsi_index_last_poll_failed"));
        Assert.Equal(await service.CountAsync("SELECT count(*) FROM chunks"), metrics.Value("bsi_index_chunks"));

        // This node's Lucene keyword index follows the store within a poll (250 ms) or so.
        metrics = await ScrapeUntilAsync("bsi_keyword_index_posts", "bsi_index_posts");
        Assert.Equal(1, metrics.Value("bsi_keyword_index_ready"));
        Assert.Equal(metrics.Value("bsi_index_posts"), metrics.Value("bsi_keyword_index_posts"));
        Assert.InRange(metrics.Value("bsi_keyword_index_lag_seconds"), 0, 2);
        Assert.Equal(await service.CountAsync("SELECT value FROM index_generation"), metrics.Value("bsi_keyword_index_generation"));

        // And its HNSW graph of the searched vectors holds every chunk.
        metrics = await ScrapeUntilAsync("bsi_vector_index_chunks", "bsi_index_chunks");
        Assert.Equal(1, metrics.Value("bsi_vector_index_ready"));
        Assert.Equal(metrics.Value("bsi_index_chunks"), metrics.Value("bsi_vector_index_chunks"));
        Assert.InRange(metrics.Value("bsi_vector_index_lag_seconds"), 0, 2);

        // Every distinct chunk text was run through the encoder once, and that took time.
        Assert.Contains("# TYPE bsi_embedded_chunks_total counter", metrics.Text);
        Assert.Equal(await service.CountAsync("SELECT count(DISTINCT text_hash) FROM chunk_embeddings"), metrics.Value("bsi_embedded_chunks_total"));
        Assert.True(metrics.Value("bsi_embedding_seconds_total") > 0);

        Assert.Equal(1, metrics.Value("""bsi_search_requests_total{mode="keyword",outcome="ok"}"""));
        Assert.Equal(1, metrics.Value("""bsi_search_requests_total{mode="semantic",outcome="ok"}"""));
        Assert.Equal(1, metrics.Value("""bsi_search_requests_total{mode="unknown",outcome="invalid"}"""));
        // Only the semantic search embedded a query; related posts use stored vectors.
        Assert.Equal(1, metrics.Value("bsi_query_embedding_seconds_count"));

        // prometheus-net's process and runtime metrics are kept.
        Assert.True(metrics.Value("process_cpu_seconds_total") > 0);
    }

    /// <summary>Scrapes until gauge <paramref name="follower"/> equals <paramref name="store"/> (10 s at most), and returns the last scrape.</summary>
    private async Task<PrometheusText> ScrapeUntilAsync(string follower, string store)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var (_, metrics) = await service.ScrapeAsync();
        while (!(metrics.TryValue(follower, out var value) && value == metrics.Value(store)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            (_, metrics) = await service.ScrapeAsync();
        }
        return metrics;
    }

    /// <summary>One <c>bsi serve</c> over a 40-post demo blog for the class: it polls every 2 s and serves /metrics behind <see cref="Token"/>.</summary>
    public sealed class DemoService : IAsyncLifetime
    {
        private readonly string _blog = Path.Combine(Path.GetTempPath(), $"bsi-metrics-{Guid.NewGuid():N}.db");
        private TestIndexDatabase _database = null!;
        private BsiProcess _bsi = null!;

        public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };
        public string Url { get; } = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
        public DemoBlogSummary Summary { get; private set; } = null!;
        public string Output => _bsi.Output;

        public async Task InitializeAsync()
        {
            Summary = DemoBlog.Create(_blog, postCount: 40);
            _database = await TestIndexDatabase.CreateAsync(migrate: false);
            var environment = ServeCommandTests.Environment(_database.ConnectionString);
            environment["BSI__Blog__Provider"] = "sqlite";
            environment["BSI__Blog__ConnectionString"] = $"Data Source={_blog}";
            environment["BSI__Indexer__PollInterval"] = "00:00:02";
            environment["BSI__Metrics__Token"] = Token;
            _bsi = BsiProcess.Start(environment, "serve", "--urls", Url);
            await ServeCommandTests.WaitForHealthzAsync(Http, Url, _bsi);
        }

        public async Task<(HttpResponseMessage Response, PrometheusText Metrics)> ScrapeAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Url}/metrics");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            var response = await Http.SendAsync(request);
            return (response, new PrometheusText(await response.Content.ReadAsStringAsync()));
        }

        /// <summary>Scrapes until the first poll has indexed every visible post (or two minutes passed).</summary>
        public async Task<PrometheusText> WaitForIndexAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                var (_, metrics) = await ScrapeAsync();
                if ((metrics.TryValue("bsi_index_posts", out var posts) && posts >= Summary.Visible) || DateTime.UtcNow > deadline)
                {
                    return metrics;
                }
                await Task.Delay(500);
            }
        }

        public async Task<double> CountAsync(string sql)
        {
            await using var command = _database.DataSource.CreateCommand(sql);
            return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        public async Task DisposeAsync()
        {
            _bsi.Terminate();
            await _bsi.WaitForExitAsync(TimeSpan.FromSeconds(30));
            _bsi.Dispose();
            Http.Dispose();
            await _database.DisposeAsync();
            File.Delete(_blog);
        }
    }
}

/// <summary>A scrape in Prometheus text format: each sample by its series as written (name and labels).</summary>
public sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples = [];

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }
            // The value follows the last space; label values may contain spaces, values never do.
            var split = line.LastIndexOf(' ');
            _samples[line[..split]] = double.Parse(line[(split + 1)..], CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    public bool TryValue(string series, out double value) => _samples.TryGetValue(series, out value);

    public double Value(string series) =>
        _samples.TryGetValue(series, out var value) ? value : throw new Xunit.Sdk.XunitException($"no sample {series} in\n{Text}");
}
