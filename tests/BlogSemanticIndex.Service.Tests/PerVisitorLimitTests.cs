using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BlogSemanticIndex.TestSupport;

namespace BlogSemanticIndex.Service.Tests;

/// <summary>
/// The rate limits of a real <c>bsi serve</c>, per visitor: the plugin forwards each visitor's address in
/// <c>X-Forwarded-For</c>, believed only from <c>Http:TrustedProxies</c> (loopback by default).
/// </summary>
public sealed class PerVisitorLimitTests : IAsyncLifetime, IDisposable
{
    private const string Token = "test-admin-token-of-at-least-32-characters";
    private const int SearchesPerMinute = 30; // a permit every 2 s after the burst
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private TestIndexDatabase _database = null!;
    private BsiProcess _trusting = null!;
    private BsiProcess _untrusting = null!;
    private string _trustingUrl = "";
    private string _untrustingUrl = "";

    public async Task InitializeAsync()
    {
        _database = await TestIndexDatabase.CreateAsync(migrate: false);
        (_trusting, _trustingUrl) = Start(null);
        // The tests' requests come from 127.0.0.1, which this one does not trust.
        (_untrusting, _untrustingUrl) = Start("10.9.9.9");
        await ServeCommandTests.WaitForHealthzAsync(_http, _trustingUrl, _trusting);
        await ServeCommandTests.WaitForHealthzAsync(_http, _untrustingUrl, _untrusting);
    }

    private (BsiProcess, string) Start(string? trustedProxies)
    {
        var url = $"http://127.0.0.1:{ServeCommandTests.FreePort()}";
        var environment = ServeCommandTests.Environment(_database.ConnectionString);
        environment["BSI__Search__RateLimitPerMinute"] = SearchesPerMinute.ToString(CultureInfo.InvariantCulture);
        // These tests count answers, not latency: the first searches wait for the encoder to load, which on a loaded
        // machine takes longer than the default 2 s Search:Timeout and would answer 503 instead of counting.
        environment["BSI__Search__Timeout"] = "00:00:30";
        environment["BSI__Admin__Token"] = Token;
        environment["BSI__Admin__RateLimitPerMinute"] = "3";
        environment["BSI__Metrics__Enabled"] = "false";
        if (trustedProxies is not null)
        {
            environment["BSI__Http__TrustedProxies"] = trustedProxies;
        }
        return (BsiProcess.Start(environment, "serve", "--urls", url), url);
    }

    [Fact]
    public async Task A_visitor_over_the_limit_gets_429_with_a_true_retry_after_while_another_visitor_goes_on()
    {
        var (refused, sent) = await SearchUntilRefusedAsync(_trustingUrl, _ => "203.0.113.7");

        Assert.True(sent >= SearchesPerMinute, $"refused after {sent} searches, the burst is {SearchesPerMinute}");
        var retryAfter = refused.Headers.RetryAfter?.Delta?.TotalSeconds;
        Assert.True(retryAfter is 1 or 2, $"Retry-After {retryAfter}: the next permit is at most 2 s away");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal(retryAfter, problem.RootElement.GetProperty("retryAfterSeconds").GetInt32());
        }

        Assert.Equal(HttpStatusCode.OK, (await SearchAsync(_trustingUrl, "203.0.113.8")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SearchAsync(_trustingUrl, null)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(retryAfter!.Value));
        Assert.Equal(HttpStatusCode.OK, (await SearchAsync(_trustingUrl, "203.0.113.7")).StatusCode);
    }

    [Fact]
    public async Task X_forwarded_for_from_an_untrusted_peer_is_ignored_so_invented_addresses_share_one_limit()
    {
        var (refused, sent) = await SearchUntilRefusedAsync(_untrustingUrl, i => $"198.51.100.{i % 250 + 1}");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(sent <= SearchesPerMinute * 2, $"{sent} searches before a refusal");
    }

    [Fact]
    public async Task Admin_requests_have_their_own_per_client_limit_checked_before_the_token()
    {
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await AdminStatusAsync(Token);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var refused = await AdminStatusAsync(Token);
        using var guess = await AdminStatusAsync("guessed-token");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        // Three a minute: the next permit is 20 s after the first three.
        Assert.True(refused.Headers.RetryAfter?.Delta?.TotalSeconds is >= 15 and <= 20, $"Retry-After {refused.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.TooManyRequests, guess.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SearchAsync(_trustingUrl, null)).StatusCode);
    }

    private async Task<(HttpResponseMessage Refused, int Sent)> SearchUntilRefusedAsync(string url, Func<int, string> visitor)
    {
        for (var i = 0; i < SearchesPerMinute * 3; i++)
        {
            var response = await SearchAsync(url, visitor(i));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return (response, i);
            }
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            response.Dispose();
        }
        throw new Xunit.Sdk.XunitException($"never refused after {SearchesPerMinute * 3} searches");
    }

    private Task<HttpResponseMessage> SearchAsync(string url, string? forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{url}/search?q=%E6%96%B0%E8%AF%8D&mode=keyword");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> AdminStatusAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{_trustingUrl}/admin/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        foreach (var bsi in new[] { _trusting, _untrusting })
        {
            bsi.Terminate();
            await bsi.WaitForExitAsync(TimeSpan.FromSeconds(30));
            bsi.Dispose();
        }
        await _database.DisposeAsync();
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _http.Dispose();
}
