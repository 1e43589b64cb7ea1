using static BlogSemanticIndex.Analytics.ApiParameters;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BlogSemanticIndex.Analytics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlogSemanticIndex.Search.Api;

/// <summary>The query parameters of <c>GET /search</c>, as strings so every malformed value gets a problem naming it.</summary>
public sealed record SearchRequest(
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "page")] string? Page,
    [property: FromQuery(Name = "pageSize")] string? PageSize,
    [property: FromQuery(Name = "mode")] string? Mode);

/// <summary>What the search handlers need from the container.</summary>
public sealed record SearchServices(HttpContext Context, SearchService Search, RelatedPosts Related, IOptions<SearchOptions> Options, IndexStoreOutage Outage);

/// <summary>The visitor-facing HTTP API: <c>GET /search</c> and <c>GET /posts/{cid}/related</c>.</summary>
public static class SearchApi
{
    public const string RateLimitPolicy = "search";
    public const string CorsPolicy = "search";
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Maps the routes. The host must have called <c>services.AddSearch(configuration)</c>, and
    /// <c>app.UseRateLimiter()</c> (and <c>app.UseCors()</c> when <c>Search:CorsOrigins</c> is set) before this —
    /// <see cref="SearchServiceCollectionExtensions.UseSearchApi"/> does all three.
    /// </summary>
    public static RouteGroupBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<SearchOptions>>().Value;
        var group = app.MapGroup("").WithTags("Search");
        if (options.RateLimitPerMinute > 0)
        {
            group.RequireRateLimiting(RateLimitPolicy);
        }
        if (options.CorsOrigins.Length > 0)
        {
            group.RequireCors(CorsPolicy);
        }

        group.MapGet("/search", SearchAsync)
            .WithName("Search")
            .WithSummary("Search the blog's posts")
            .WithDescription("Hybrid (BM25 + semantic, reciprocal-rank fusion), semantic or keyword ranking; one page of posts with snippets.")
            .AddEndpointFilter(RequireApiKeyAsync);
        group.MapGet("/posts/{cid:long}/related", RelatedAsync)
            .WithName("RelatedPosts")
            .WithSummary("Posts nearest in meaning to a post")
            .WithDescription("For \"related posts\" widgets: the posts whose text is closest to the given post's.");
        return group;
    }

    /// <summary>GET /search?q=…&amp;page=1&amp;pageSize=10&amp;mode=hybrid|semantic|keyword</summary>
    public static async Task<Results<Ok<SearchResponse>, ValidationProblem, ProblemHttpResult>> SearchAsync(
        [AsParameters] SearchRequest request, [AsParameters] SearchServices services, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await AnswerSearchAsync(request, services, cancellationToken);
        var outcome = result.Result switch
        {
            Ok<SearchResponse> { Value.Warnings: not null } => SearchMetrics.OutcomeDegraded,
            Ok<SearchResponse> => SearchMetrics.OutcomeOk,
            ValidationProblem => SearchMetrics.OutcomeInvalid,
            _ => SearchMetrics.OutcomeUnavailable,
        };
        // Only the three known modes become tag values, so a client cannot add series by inventing modes.
        var mode = SearchModes.TryParse(request.Mode, out var parsed) ? parsed.Name() : SearchMetrics.UnknownMode;
        SearchMetrics.Searches.Add(1, new KeyValuePair<string, object?>(SearchMetrics.ModeTag, mode),
            new KeyValuePair<string, object?>(SearchMetrics.OutcomeTag, outcome));
        if (outcome != SearchMetrics.OutcomeInvalid)
        {
            services.Context.RequestServices.GetService<SearchLog>()?.Record(new SearchLogEntry(DateTimeOffset.UtcNow, request.Q!.Trim(), mode,
                (result.Result as Ok<SearchResponse>)?.Value?.Total, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                outcome == SearchMetrics.OutcomeUnavailable ? SearchOutcomes.Error : outcome));
        }
        return result;
    }

    private static async Task<Results<Ok<SearchResponse>, ValidationProblem, ProblemHttpResult>> AnswerSearchAsync(
        SearchRequest request, SearchServices services, CancellationToken cancellationToken)
    {
        // The framework decodes invalid UTF-8 leniently (it keeps "%FF" as text), so q is checked on the raw bytes.
        if (!RawQueryString.IsValidUtf8(services.Context.Request.QueryString.Value, "q"))
        {
            return Invalid("q", "q is not valid UTF-8 (percent-encode the query's UTF-8 bytes).");
        }
        var query = request.Q?.Trim();
        if (string.IsNullOrEmpty(query))
        {
            return Invalid("q", "q is required and must contain more than whitespace.");
        }
        if (request.Q!.Length > SearchOptions.MaxQueryLength)
        {
            return Invalid("q", $"q is {request.Q.Length} characters; at most {SearchOptions.MaxQueryLength} are allowed.");
        }
        if (query.Any(c => char.IsControl(c) && !char.IsWhiteSpace(c)) || HasLoneSurrogate(query))
        {
            return Invalid("q", "q contains control characters or unpaired surrogates.");
        }
        if (!TryParseBounded(request.Page, 1, 1, SearchOptions.MaxPage, out var page))
        {
            return Invalid("page", $"page must be a whole number from 1 to {SearchOptions.MaxPage}.");
        }
        if (!TryParseBounded(request.PageSize, 10, 1, SearchOptions.MaxPageSize, out var pageSize))
        {
            return Invalid("pageSize", $"pageSize must be a whole number from 1 to {SearchOptions.MaxPageSize}.");
        }
        if (!SearchModes.TryParse(request.Mode, out var mode))
        {
            return Invalid("mode", $"mode \"{request.Mode}\" is unknown; allowed: {string.Join(", ", SearchModes.Allowed)}.");
        }

        var timeout = services.Options.Value.Timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // The token cancels what the driver can cancel; WaitAsync bounds the answer even when it cannot (a wedged
            // server does not answer the cancel request either).
            var response = await services.Search.SearchAsync(query, mode, page, pageSize, deadline.Token).WaitAsync(timeout, cancellationToken);
            services.Outage.Succeeded();
            return TypedResults.Ok(response);
        }
        catch (SemanticUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Semantic search is unavailable",
                extensions: new Dictionary<string, object?> { ["hint"] = "mode=keyword still works" });
        }
        catch (Exception e) when (IsIndexStoreFailure(e, deadline, cancellationToken))
        {
            services.Outage.Failed(e, e is TimeoutException || deadline.IsCancellationRequested ? timeout : null);
            return TypedResults.Problem("The index store did not answer; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Search is unavailable");
        }
    }

    /// <summary>
    /// The index database failed or missed the request's deadline. A request the client abandoned is not one: it
    /// propagates, and the host logs it as 499.
    /// </summary>
    private static bool IsIndexStoreFailure(Exception e, CancellationTokenSource deadline, CancellationToken aborted) =>
        !aborted.IsCancellationRequested
        && (e is NpgsqlException or TimeoutException || e is OperationCanceledException && deadline.IsCancellationRequested);

    /// <summary>GET /posts/{cid}/related?limit=5</summary>
    public static async Task<Results<Ok<RelatedResponse>, ValidationProblem, ProblemHttpResult>> RelatedAsync(
        long cid, [FromQuery(Name = "limit")] string? limit, [AsParameters] SearchServices services, CancellationToken cancellationToken)
    {
        if (cid <= 0)
        {
            return Invalid("cid", "cid must be a positive post id.");
        }
        if (!TryParseBounded(limit, 5, 1, SearchOptions.MaxPageSize, out var count))
        {
            return Invalid("limit", $"limit must be a whole number from 1 to {SearchOptions.MaxPageSize}.");
        }
        var timeout = services.Options.Value.Timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var related = await services.Related.FindAsync(cid, count, deadline.Token).WaitAsync(timeout, cancellationToken);
            services.Outage.Succeeded();
            return related is null
                ? TypedResults.Problem($"Post {cid} is not in the index (it does not exist, is not public, or is not indexed yet).",
                    statusCode: StatusCodes.Status404NotFound, title: "Post not found")
                : TypedResults.Ok(related);
        }
        catch (SemanticUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Related posts are unavailable");
        }
        catch (Exception e) when (IsIndexStoreFailure(e, deadline, cancellationToken))
        {
            services.Outage.Failed(e, e is TimeoutException || deadline.IsCancellationRequested ? timeout : null);
            return TypedResults.Problem("The index store did not answer; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Related posts are unavailable");
        }
    }

    /// <summary>With <c>Search:ApiKey</c> set, /search answers 401 unless <c>X-Api-Key</c> carries it.</summary>
    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<SearchOptions>>().Value.ApiKey;
        if (expected.Length > 0)
        {
            var given = context.HttpContext.Request.Headers[ApiKeyHeader].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
            {
                return TypedResults.Problem($"This API needs its key in the {ApiKeyHeader} header.", statusCode: StatusCodes.Status401Unauthorized,
                    title: "API key missing or wrong");
            }
        }
        return await next(context);
    }

    internal static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }
}
