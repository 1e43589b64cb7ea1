using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BlogSemanticIndex.Demo;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// The service over the demo blog: the Quartz poll job indexes exactly the visible posts, and the admin
/// API reports it behind its token.
/// </summary>
public sealed class AdminApiTests : IAsyncLifetime, IDisposable
{
    private const string Token = "test-admin-token-of-at-least-32-characters";
    private readonly string _blog = Path.Combine(Path.GetTempPath(), $"bsi-admin-{Guid.NewGuid():N}.db");
    private TestIndexDatabase _database = null!;
    private BsiProcess _bsi = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private string _url = "";
    private DemoBlogSummary _summary = null!;

    public async Task InitializeAsync()
    {
        _summary = DemoBlog.Create(_blog, postCount: 40);
        _database = await TestIndexDatabase.CreateAsync(migrate: false);
        _url = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
        var environment = ServeCommandTests.Environment(_database.ConnectionString);
        environment["BSI__Blog__Provider"] = "sqlite";
        environment["BSI__Blog__ConnectionString"] = $"Data Source={_blog}";
        environment["BSI__Admin__Token"] = Token;
        environment["BSI__Indexer__PollInterval"] = "00:00:02";
        _bsi = BsiProcess.Start(environment, "serve", "--urls", _url);
        await ServeCommandTests.WaitForHealthzAsync(_http, _url, _bsi);
    }

    [Fact]
    public async Task The_poll_job_indexes_exactly_the_visible_posts_and_status_reports_them()
    {
        await WaitForIndexedAsync();

        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM qrtz_scheduler_state");
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
        // The demo blog is English and Chinese; the English builtin model reads only the first.
        using var status = await GetStatusAsync();
        var lines = status.RootElement.GetProperty("index").GetProperty("textByScript").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains(lines, l => l.StartsWith("Latin:", StringComparison.Ordinal) && !l.Contains("cannot read", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Han:", StringComparison.Ordinal) && l.Contains("encoder coverage 0%", StringComparison.Ordinal));
        // With an indexer, searches embed on an instance of their own: fp32 for the posts, for queries on a bf16 CPU the faster one.
        var model = (await HealthzAsync()).GetProperty("model");
        // The searches' instance loads after the indexer's; until then the check is degraded.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); model.GetProperty("status").GetString() != "healthy" && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(250);
            model = (await HealthzAsync()).GetProperty("model");
        }
        model = model.GetProperty("data");
        Assert.Equal("fp32", model.GetProperty("precision").GetString());
        QueryPrecisionAssert.Measured(model);
    }

    [Fact]
    public async Task Healthz_checks_the_blog_source_and_degrades_when_its_file_is_gone()
    {
        var before = (await HealthzAsync()).GetProperty("blog");
        File.Move(_blog, _blog + ".moved");
        // Results are up to a second old (CachedHealthCheck): the file's loss shows within a poll or two.
        var after = before;
        for (var deadline = DateTime.UtcNow.AddSeconds(5); after.GetProperty("status").GetString() == "healthy" && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            after = (await HealthzAsync()).GetProperty("blog");
        }
        File.Move(_blog + ".moved", _blog);

        Assert.Equal("healthy", before.GetProperty("status").GetString());
        Assert.Equal("sqlite", before.GetProperty("data").GetProperty("provider").GetString());
        Assert.Equal("degraded", after.GetProperty("status").GetString());
        Assert.Contains("cannot read the blog's database", after.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Healthz_polled_every_100_ms_answers_each_check_with_its_status_and_an_age_of_at_most_a_second()
    {
        await WaitForIndexedAsync();
        var ages = new Dictionary<string, List<double>>();
        for (var i = 0; i < 30; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var checks = await HealthzAsync();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"/healthz took {clock.Elapsed.TotalSeconds:F2} s");
            foreach (var check in checks.EnumerateObject())
            {
                Assert.Equal("healthy", check.Value.GetProperty("status").GetString());
                ages.TryAdd(check.Name, []);
                ages[check.Name].Add(check.Value.GetProperty("ageMs").GetDouble());
            }
            await Task.Delay(100);
        }

        Assert.Equal(["blog", "database", "keyword", "keywordIndex", "model", "vectorIndex"], ages.Keys.Order());
        var last = await HealthzAsync();
        Assert.Equal(_summary.Visible, last.GetProperty("keyword").GetProperty("data").GetProperty("posts").GetInt32());
        // The node's graph holds the visible posts' chunks (at least one each) a few polls after they were indexed.
        Assert.InRange(last.GetProperty("vectorIndex").GetProperty("data").GetProperty("chunks").GetInt32(), _summary.Visible, int.MaxValue);
        // Cached between polls (some answers are older than the request), never older than the cache's second plus
        // the run that refreshed it on this busy machine.
        Assert.All(ages.Values, a => Assert.Contains(a, age => age > 0));
        Assert.All(ages.Values, a => Assert.All(a, age => Assert.InRange(age, 0, 2000)));
    }

    private async Task<JsonElement> HealthzAsync()
    {
        var response = await _http.GetAsync($"{_url}/healthz");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
    }

    [Fact]
    public async Task Admin_endpoints_refuse_requests_without_the_token()
    {
        var missing = await _http.GetAsync($"{_url}/admin/status");
        using var wrong = new HttpRequestMessage(HttpMethod.Post, $"{_url}/admin/reindex") { Content = JsonContent.Create(new { all = true }) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-" + Token);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task A_reindex_is_queued_and_a_contradictory_one_is_a_bad_request()
    {
        var queued = await PostReindexAsync(new { posts = new[] { 1L }, dryRun = true });
        var both = await PostReindexAsync(new { all = true, posts = new[] { 1L } });

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Contains("not both", await both.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_whitening_refit_over_http_builds_and_switches_to_the_asked_version_and_bad_parameters_are_refused()
    {
        await WaitForIndexedAsync();

        var queued = await PostAsync("/admin/whitening/refit", new { beta = 1, gamma = 0, dims = 64 });
        var outOfRange = await PostAsync("/admin/whitening/refit", new { beta = 2, gamma = 0, dims = 400 });
        var partial = await PostAsync("/admin/whitening/refit", new { beta = 1 });

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        var problem = await outOfRange.Content.ReadAsStringAsync();
        Assert.Contains("Whitening:Beta (--beta) is 2", problem);
        Assert.Contains("Whitening:Dims (--dims) is 400", problem);
        Assert.Equal(HttpStatusCode.BadRequest, partial.StatusCode);
        Assert.Contains("together", await partial.Content.ReadAsStringAsync());

        var deadline = DateTime.UtcNow.AddSeconds(120);
        int? liveDims = null;
        while (liveDims is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            await using var command = _database.DataSource.CreateCommand(
                "SELECT w.dims FROM active_index a JOIN whitening_models w ON w.version = a.whitening_version WHERE w.beta = 1");
            liveDims = (int?)await command.ExecuteScalarAsync();
        }
        Assert.True(liveDims == 64, $"no live whitening version (1, 0, 64)\n{_bsi.Output}");
    }

    [Fact]
    public async Task Bsi_eval_and_whitening_sweep_score_the_demo_blogs_labelled_queries()
    {
        await WaitForIndexedAsync();
        var set = Path.ChangeExtension(_blog, ".queries.jsonl");
        Evaluation.LabelledSet.Write(set, _summary.Queries.Select(q => new Evaluation.LabelledQuery(q.Query, q.Relevant.ToHashSet())));
        var environment = ServeCommandTests.Environment(_database.ConnectionString);
        try
        {
            var (evalExit, eval) = await BsiProcess.RunAsync(environment, "eval", set);
            var (sweepExit, sweep) = await BsiProcess.RunAsync(environment, "whitening", "sweep", set, "--beta", "0", "--gamma", "0", "--dims", "64", "384");
            var (badExit, bad) = await BsiProcess.RunAsync(environment, "eval", _blog);
            var (tuneExit, tune) = await BsiProcess.RunAsync(environment, "eval", "--tune-fusion", set);

            Assert.True(evalExit == 0, $"exit code {evalExit}\n{eval}");
            Assert.All(new[] { "keyword-like", "keyword", "semantic", "hybrid", "nDCG@10", $"{_summary.Queries.Count} labelled queries" }, s => Assert.Contains(s, eval));
            Assert.True(sweepExit == 0, $"exit code {sweepExit}\n{sweep}");
            // The raw row and two grid rows, with pgvector's storage per chunk: 4 bytes a dimension + 8.
            Assert.All(new[] { "raw", "1544", "264", "17%" }, s => Assert.Contains(s, sweep));
            Assert.Equal(2, badExit);
            Assert.Contains("Cannot read the labelled set", bad);
            Assert.True(tuneExit == 0, $"exit code {tuneExit}\n{tune}");
            Assert.All(new[] { "SemanticWeight", "(configured)", "equal-weight RRF" }, s => Assert.Contains(s, tune));
            Assert.True(tune.Contains("--set Search:SemanticWeight=", StringComparison.Ordinal) || tune.Contains("already the best", StringComparison.Ordinal), tune);
        }
        finally
        {
            File.Delete(set);
        }
    }

    [Fact]
    public async Task Searches_clicks_and_fallbacks_reach_the_owners_analytics_without_the_visitors_address()
    {
        await WaitForIndexedAsync();
        var found = new List<(string Query, long Cid)>();
        foreach (var query in _summary.Queries.Select(q => q.Query))
        {
            using var response = await _http.GetAsync($"{_url}/search?mode=keyword&q={Uri.EscapeDataString(query)}");
            var answer = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} for '{query}': {answer}\n{_bsi.Output}");
            using var json = JsonDocument.Parse(answer);
            if (json.RootElement.GetProperty("total").GetInt32() > 0)
            {
                found.Add((query, json.RootElement.GetProperty("hits")[0].GetProperty("cid").GetInt64()));
            }
        }
        const string nothing = "qqqzzzxxv";
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"{_url}/search?mode=keyword&q={nothing}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"{_url}/search?mode=keyword&q=%20")).StatusCode);
        var (clickedQuery, clickedCid) = found[0];

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync("/admin/analytics/click", new { query = clickedQuery, cid = clickedCid })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent,
            (await PostAsync("/admin/analytics/fallback", new { query = "服务超时的查询", reason = "timeout", total = 0, mode = "hybrid" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("/admin/analytics/click", new { query = clickedQuery, cid = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("/admin/analytics/fallback", new { query = "q", mode = "fuzzy" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAdminAsync("/admin/analytics?days=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAdminAsync("/admin/analytics?tz=Mars/Olympus")).StatusCode);

        // The writer is off the request path: wait for it.
        var expected = _summary.Queries.Count + 2;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string body;
        JsonElement report;
        do
        {
            await Task.Delay(200);
            body = await (await GetAdminAsync("/admin/analytics?days=7&top=100&tz=Asia/Shanghai")).Content.ReadAsStringAsync();
            report = JsonDocument.Parse(body).RootElement;
        }
        while (report.GetProperty("searches").GetInt64() < expected && DateTime.UtcNow < deadline);

        Assert.True(expected == report.GetProperty("searches").GetInt64(), $"{expected} searches expected: {body}\n{_bsi.Output}");
        Assert.Equal(7, report.GetProperty("perDay").GetArrayLength());
        Assert.Equal(1, report.GetProperty("outcomes").GetProperty("fallback").GetInt64());
        Assert.Equal(1, report.GetProperty("clicks").GetInt64());
        Assert.True(report.GetProperty("latencyMs").GetProperty("p95").GetInt32() >= 0);
        var zero = report.GetProperty("zeroResultQueries").EnumerateArray().Select(q => q.GetProperty("query").GetString()).ToList();
        Assert.Contains(nothing, zero);
        Assert.Contains("服务超时的查询", zero);
        var noClick = report.GetProperty("noClickQueries").EnumerateArray().Select(q => q.GetProperty("query").GetString()).ToList();
        Assert.DoesNotContain(clickedQuery, noClick);
        // Grouped as the log groups them: case-insensitively, white space collapsed.
        Assert.Equal(found.Select(f => string.Join(' ', f.Query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))).Distinct().Count() - 1,
            noClick.Count);
        Assert.DoesNotContain("127.0.0.1", body);
        Assert.True(report.GetProperty("logging").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Status_reports_pending_lag_and_each_skipped_post_with_its_reason()
    {
        await WaitForIndexedAsync();
        // The row is for a post the blog does not have, so the next poll (every 2 s) removes it again: write it and
        // read the status until one read falls between the two (a read right after the write, bar an unlucky poll).
        JsonDocument? status = null;
        for (var attempt = 0; attempt < 10 && status is null; attempt++)
        {
            await using (var command = _database.DataSource.CreateCommand(
                "INSERT INTO skipped_posts (cid, modified_at, reason) VALUES (424242, now(), 'body is not valid UTF-8') ON CONFLICT DO NOTHING"))
            {
                await command.ExecuteNonQueryAsync();
            }
            var read = await GetStatusAsync();
            if (read.RootElement.GetProperty("index").GetProperty("skippedPosts").GetInt64() > 0)
            {
                status = read;
            }
            else
            {
                read.Dispose();
            }
        }
        Assert.NotNull(status);
        using var _ = status;
        var index = status.RootElement.GetProperty("index");

        var skipped = Assert.Single(index.GetProperty("skipped").EnumerateArray());
        Assert.Equal(424242, skipped.GetProperty("cid").GetInt64());
        Assert.Equal("body is not valid UTF-8", skipped.GetProperty("reason").GetString());
        Assert.Equal(1, index.GetProperty("skippedPosts").GetInt64());
        Assert.Equal(0, index.GetProperty("pending").GetInt32());
        Assert.True(index.GetProperty("lagSeconds").GetDouble() >= 0);
    }

    private Task<HttpResponseMessage> GetAdminAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _url + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return _http.SendAsync(request);
    }

    private async Task WaitForIndexedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        long posts;
        do
        {
            await Task.Delay(500);
            using var status = await GetStatusAsync();
            posts = status.RootElement.GetProperty("index").GetProperty("posts").GetInt64();
        }
        while (posts < _summary.Visible && DateTime.UtcNow < deadline);

        Assert.True(posts == _summary.Visible, $"{posts} posts indexed, {_summary.Visible} visible\n{_bsi.Output}");
    }

    private async Task<JsonDocument> GetStatusAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_url}/admin/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> PostReindexAsync(object body) => PostAsync("/admin/reindex", body);

    private async Task<HttpResponseMessage> PostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url + path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await _http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        _bsi.Terminate();
        await _bsi.WaitForExitAsync(TimeSpan.FromSeconds(30));
        _bsi.Dispose();
        await _database.DisposeAsync();
        File.Delete(_blog);
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _http.Dispose();
}
