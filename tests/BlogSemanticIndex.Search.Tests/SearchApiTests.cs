using BlogSemanticIndex.TestSupport.Search;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlogSemanticIndex.Search.Tests;

/// <summary>The HTTP API on a real Kestrel server (127.0.0.1, a free port) over a real index schema.</summary>
[Collection(EncoderCollectionDefinition.Name)]
public sealed class SearchApiTests(EncoderFixture encoder)
{
    private sealed class Host(WebApplication app, TestCorpus corpus, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public IServiceProvider Services => app.Services;

        public TestCorpus Corpus => corpus;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            await corpus.DisposeAsync();
        }
    }

    private async Task<Host> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var corpus = await TestCorpus.CreateAsync(encoder.Encoder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddSingleton(corpus.Database.DataSource);
        builder.Services.AddSingleton(encoder.Embedder);
        builder.Services.AddSearchApi(builder.Configuration);
        var app = builder.Build();
        app.UseSearchApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Host(app, corpus, new HttpClient { BaseAddress = new Uri(address) });
    }

    private static async Task<(int Total, long[] Cids)> KeywordSearchAsync(HttpClient client, string query)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync($"/search?mode=keyword&q={Uri.EscapeDataString(query)}"));
        return (json.RootElement.GetProperty("total").GetInt32(),
            [.. json.RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("cid").GetInt64())]);
    }

    [Fact]
    public async Task A_post_hidden_while_serving_is_never_shown_and_leaves_the_keyword_index_within_a_poll()
    {
        await using var host = await StartAsync();
        var index = host.Services.GetRequiredService<Keyword.LuceneKeywordIndex>();
        for (var waited = 0; !index.IsReady && waited < 100; waited++)
        {
            await Task.Delay(100);
        }
        Assert.True(index.IsReady, "the node's keyword index was not built within 10 s");
        var before = await KeywordSearchAsync(host.Client, "connection network");
        Assert.Contains(3, before.Cids);

        // What the indexer does when a post becomes private, a draft, or is deleted.
        await using (var hide = host.Corpus.Database.DataSource.CreateCommand("DELETE FROM posts WHERE cid = 3"))
        {
            await hide.ExecuteNonQueryAsync();
        }
        // Never shown, even before this node's index has polled (pages are read from the posts table); the total
        // follows within a poll (Search:KeywordIndexRefresh, 250 ms; 10 s allowed on this shared machine).
        var after = await KeywordSearchAsync(host.Client, "connection network");
        Assert.DoesNotContain(3, after.Cids);
        for (var waited = 0; after.Total != before.Total - 1 && waited < 100; waited++)
        {
            await Task.Delay(100);
            after = await KeywordSearchAsync(host.Client, "connection network");
            Assert.DoesNotContain(3, after.Cids);
        }
        Assert.Equal(before.Total - 1, after.Total);
    }

    [Fact]
    public async Task Search_returns_a_page_of_posts_with_snippets()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/search?q=%E6%96%B0%E8%AF%8D%E7%AE%97%E6%B3%95&pageSize=3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("hybrid", root.GetProperty("mode").GetString());
        Assert.Equal(1, root.GetProperty("page").GetInt32());
        Assert.Equal(3, root.GetProperty("pageSize").GetInt32());
        Assert.True(root.GetProperty("total").GetInt32() >= 1);
        var first = root.GetProperty("hits")[0];
        Assert.Equal(5, first.GetProperty("cid").GetInt64());
        Assert.Equal("post-5", first.GetProperty("slug").GetString());
        Assert.Equal(1_700_000_000 + 5 * 86_400, first.GetProperty("createdUnix").GetInt64());
        Assert.EndsWith("+00:00", first.GetProperty("created").GetString());
        Assert.Contains("<mark>", first.GetProperty("snippet").GetString());
    }

    [Theory]
    [InlineData("/search", "q")]
    [InlineData("/search?q=", "q")]
    [InlineData("/search?q=%20%09%20", "q")]
    [InlineData("/search?q=%FF%FE", "q")]
    [InlineData("/search?q=abc%C3", "q")]
    [InlineData("/search?q=a%00b", "q")]
    [InlineData("/search?q=ok&page=0", "page")]
    [InlineData("/search?q=ok&page=1001", "page")]
    [InlineData("/search?q=ok&page=two", "page")]
    [InlineData("/search?q=ok&page=99999999999999999999", "page")]
    [InlineData("/search?q=ok&pageSize=0", "pageSize")]
    [InlineData("/search?q=ok&pageSize=51", "pageSize")]
    [InlineData("/search?q=ok&pageSize=-1", "pageSize")]
    [InlineData("/search?q=ok&mode=fuzzy", "mode")]
    [InlineData("/posts/3/related?limit=0", "limit")]
    [InlineData("/posts/3/related?limit=x", "limit")]
    public async Task Bad_input_gets_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        await using var host = await StartAsync();

        await AssertProblemAsync(await host.Client.GetAsync(url), HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task Odd_but_valid_queries_are_answered_not_rejected_or_failed()
    {
        await using var host = await StartAsync();
        string[] queries = ["!!!", "%", "_", "\\", "'; DROP TABLE posts; --", "😀", "𠀀", "C#", "a b c d e f g", "the"];

        foreach (var query in queries)
        {
            foreach (var mode in SearchModes.Allowed)
            {
                using var response = await host.Client.GetAsync($"/search?mode={mode}&q={Uri.EscapeDataString(query)}");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{mode} \"{query}\": {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        using var posts = await host.Client.GetAsync("/search?q=sourdough&mode=keyword");
        Assert.Contains("\"cid\":7", await posts.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_query_is_limited_to_512_characters()
    {
        await using var host = await StartAsync();

        using var longest = await host.Client.GetAsync("/search?q=" + new string('a', 512));
        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        await AssertProblemAsync(await host.Client.GetAsync("/search?q=" + new string('a', 513)), HttpStatusCode.BadRequest, "q");
    }

    [Fact]
    public async Task Related_posts_answer_and_an_unknown_post_is_a_404_problem()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/posts/3/related?limit=4");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(4, json.RootElement.GetProperty("posts").GetArrayLength());
        await AssertProblemAsync(await host.Client.GetAsync("/posts/999/related"), HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task With_an_api_key_configured_search_requires_it()
    {
        await using var host = await StartAsync(new() { ["Search:ApiKey"] = "0123456789abcdef-key" });

        await AssertProblemAsync(await host.Client.GetAsync("/search?q=bread"), HttpStatusCode.Unauthorized, null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/search?q=bread");
        request.Headers.Add("X-Api-Key", "0123456789abcdef-key");
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Clients_over_the_rate_limit_get_a_429_problem()
    {
        await using var host = await StartAsync(new() { ["Search:RateLimitPerMinute"] = "2" });

        (await host.Client.GetAsync("/search?q=bread")).Dispose();
        (await host.Client.GetAsync("/search?q=bread")).Dispose();
        using var third = await host.Client.GetAsync("/search?q=bread");

        // Two a minute is one permit every 30 s: the next frees 30 s after the first two, not a whole window later.
        var retryAfter = third.Headers.RetryAfter?.Delta?.TotalSeconds;
        Assert.True(retryAfter is >= 28 and <= 30, $"Retry-After {retryAfter}");
        await AssertProblemAsync(third, HttpStatusCode.TooManyRequests, null);
    }

    [Theory]
    [InlineData("script")]
    [InlineData("badge")]
    [InlineData("escape")]
    public async Task Snippets_are_escaped_text_whose_only_tag_is_mark(string query)
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync($"/search?mode=keyword&q={query}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var snippet = json.RootElement.GetProperty("hits").EnumerateArray().Single(h => h.GetProperty("cid").GetInt64() == 9)
            .GetProperty("snippet").GetString()!;

        // The contract: remove <mark> and </mark> and what is left is text with no tag, every & an entity.
        var text = snippet.Replace("<mark>", "").Replace("</mark>", "");
        Assert.DoesNotContain("<", text);
        Assert.DoesNotContain(">", text);
        Assert.DoesNotMatch("&(?!(lt|gt|amp|quot|#39);)", text);
        Assert.Contains(System.Net.WebUtility.HtmlDecode(text), TestCorpus.DocumentText(9));
        // The post's own markup, the literal <mark> included, arrives as text.
        Assert.Contains("&lt;/script&gt;", text);
        Assert.Contains("&lt;mark&gt;badge&lt;/mark&gt;", text);
        Assert.Contains(" &amp; ", text);
        Assert.Contains($"<mark>{query}</mark>", snippet);
    }

    [Fact]
    public async Task Cors_is_off_by_default()
    {
        await using var host = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/search?q=bread");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? parameter)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(body);
            Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
            if (parameter is not null)
            {
                Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), body);
                Assert.Equal(parameter, json.RootElement.GetProperty("parameter").GetString());
            }
        }
    }
}
