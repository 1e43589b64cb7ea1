using BlogSemanticIndex.Analytics;
using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Storage;
using BlogSemanticIndex.Whitening;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;
using BlogSemanticIndex.Settings;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Settings of the admin HTTP API (section <c>Admin</c>).</summary>
public sealed class AdminOptions : IValidatedSection<AdminOptions>
{
    public const string SectionName = "Admin";

    static string IValidatedSection<AdminOptions>.SectionName => SectionName;

    /// <summary>Shortest accepted token: 32 characters leave no room for guessing (<c>bsi admin token</c> prints 43).</summary>
    public const int MinTokenLength = 32;

    /// <summary>The bearer token every <c>/admin/*</c> request must carry; empty disables the admin API.</summary>
    public string Token { get; set; } = "";

    /// <summary>Requests per minute to <c>/admin/*</c> per client address, checked before the token; 0 turns the limit off.</summary>
    public int RateLimitPerMinute { get; set; } = 120;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Token.Length is > 0 and < MinTokenLength)
        {
            // The length only: the token itself is a secret and never logged.
            errors.Add($"{SectionName}:Token is {Token.Length} characters; allowed: empty (admin API off) or at least {MinTokenLength} characters (`bsi admin token` prints a new one).");
        }
        if (RateLimitPerMinute < 0)
        {
            errors.Add($"{SectionName}:RateLimitPerMinute is {RateLimitPerMinute}; allowed: 0 (off) or a positive number of requests per minute per client.");
        }
        return errors;
    }
}

/// <summary>The body of <c>POST /admin/reindex</c>.</summary>
public sealed record ReindexBody(bool All = false, long[]? Posts = null, bool DryRun = false);

/// <summary>The body of <c>POST /admin/whitening/refit</c>: all three, or none for the configured <c>Whitening</c> settings.</summary>
public sealed record WhiteningRefitBody(double? Beta = null, double? Gamma = null, int? Dims = null);

/// <summary><c>/admin/*</c>: what <c>bsi reindex</c> and <c>bsi status</c> do, over HTTP, behind a bearer token.</summary>
internal static class AdminApi
{
    public const string RateLimitPolicy = "admin";

    public static void MapAdminApi(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(RequireToken);
        // The limit comes before the token check, so the token cannot be guessed at speed either.
        admin.RequireRateLimiting(RateLimitPolicy);
        admin.MapGet("/status", GetStatus).WithName("AdminStatus").WithDescription("Index counts, model, whitening, last poll and the progress of running jobs.");
        admin.MapPost("/whitening/refit", PostWhiteningRefit).WithName("AdminWhiteningRefit")
            .WithDescription("Queue a whitening refit now (configured or given β, γ, k): built beside the live version, then switched to.");
        admin.MapAnalyticsApi();
        admin.MapPost("/reindex", PostReindex).WithName("AdminReindex").WithDescription("Queue a reindex of all posts or of given cids; progress in /admin/status.");
    }

    private static async Task<Ok<object>> GetStatus(IndexStatusReader statusReader, IConfiguration configuration, Npgsql.NpgsqlDataSource dataSource,
        IServiceProvider services, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var status = await statusReader.ReadAsync(cancellationToken);
        try
        {
            status = status with { Pending = await PendingPosts.CountAsync(configuration, dataSource, cancellationToken) };
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // The blog's database is away: the index's own figures still answer; the poll reports the failure as lastError.
            loggers.CreateLogger(typeof(AdminApi)).CountingPendingFailed(e.Message);
        }
        var activity = services.GetService<IndexingProgressStore>()?.Snapshot();
        return TypedResults.Ok<object>(new { index = status, indexer = (object?)activity ?? new { enabled = false } });
    }

    private static async Task<Results<Accepted<object>, ProblemHttpResult>> PostReindex(
        ReindexBody body, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<ISchedulerFactory>() is not { } schedulerFactory)
        {
            return TypedResults.Problem("The indexer is off: no blog is configured (Blog:ConnectionString).", statusCode: StatusCodes.Status409Conflict);
        }
        var request = new ReindexRequest(body.All, body.Posts ?? [], body.DryRun);
        try
        {
            request.EnsureValid();
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid reindex request");
        }
        await ReindexJob.ScheduleAsync(schedulerFactory, request, cancellationToken);
        return TypedResults.Accepted("/admin/status", (object)new { queued = request });
    }

    private static async Task<Results<Accepted<object>, ProblemHttpResult>> PostWhiteningRefit(
        WhiteningRefitBody? body, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<ISchedulerFactory>() is not { } schedulerFactory || services.GetService<IndexWriter>() is not { } index)
        {
            return TypedResults.Problem("The indexer is off: no blog is configured (Blog:ConnectionString).", statusCode: StatusCodes.Status409Conflict);
        }
        var options = services.GetRequiredService<IOptions<WhiteningOptions>>().Value;
        if (!options.Enabled)
        {
            return TypedResults.Problem("Whitening is off (Whitening:Enabled is false).", statusCode: StatusCodes.Status409Conflict);
        }
        if (await index.GetActiveModelAsync(cancellationToken) is not { } model)
        {
            return TypedResults.Problem("The index has no vectors yet; let the indexer run first.", statusCode: StatusCodes.Status409Conflict);
        }
        WhiteningParameters? parameters = null;
        if (body is { Beta: not null } or { Gamma: not null } or { Dims: not null })
        {
            if (body is not { Beta: { } beta, Gamma: { } gamma, Dims: { } dims })
            {
                return TypedResults.Problem("Give beta, gamma and dims together, or none of them for the configured Whitening settings.",
                    statusCode: StatusCodes.Status400BadRequest, title: "Invalid whitening refit request");
            }
            parameters = options.ToParameters() with { Beta = beta, Gamma = gamma, Dims = dims };
            if (parameters.Validate(model.Dimensions) is { Count: > 0 } errors)
            {
                return TypedResults.Problem(string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest, title: "Invalid whitening refit request");
            }
        }
        await WhiteningRefitJob.RefitNowAsync(schedulerFactory, parameters, cancellationToken);
        return TypedResults.Accepted("/admin/status", (object)new { queued = parameters ?? options.ToParameters() });
    }

    private static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var token = context.HttpContext.RequestServices.GetRequiredService<AdminOptions>().Token;
        if (string.IsNullOrEmpty(token))
        {
            return TypedResults.Problem("The admin API is disabled: set Admin:Token.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (!BearerToken.IsPresented(context.HttpContext.Request, token))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem("A valid admin token is required (Authorization: Bearer <Admin:Token>).", statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context);
    }
}
