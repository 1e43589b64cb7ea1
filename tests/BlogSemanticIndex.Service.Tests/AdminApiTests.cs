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
public sealed class AdminApiTests : IAsyncLifetime
{
    private const string Token = "test-admin-token";
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
        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM qrtz_scheduler_state");
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
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

    private async Task<JsonDocument> GetStatusAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_url}/admin/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> PostReindexAsync(object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_url}/admin/reindex") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await _http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        _bsi.Terminate();
        await _bsi.WaitForExitAsync(TimeSpan.FromSeconds(30));
        _bsi.Dispose();
        _http.Dispose();
        await _database.DisposeAsync();
        File.Delete(_blog);
    }
}
