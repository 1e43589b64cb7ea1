using BlogSemanticIndex.Indexing;
using BlogSemanticIndex.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace BlogSemanticIndex.Service.Hosting;

/// <summary>Settings of the admin HTTP API (section <c>Admin</c>).</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>The bearer token every <c>/admin/*</c> request must carry; empty disables the admin API.</summary>
    public string Token { get; set; } = "";
}

/// <summary>The body of <c>POST /admin/reindex</c>.</summary>
public sealed record ReindexBody(bool All = false, long[]? Posts = null, bool DryRun = false);

/// <summary><c>/admin/*</c>: what <c>bsi reindex</c> and <c>bsi status</c> do, over HTTP, behind a bearer token.</summary>
internal static class AdminApi
{
    public static void MapAdminApi(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(RequireToken);
        admin.MapGet("/status", GetStatus).WithName("AdminStatus").WithDescription("Index counts, model, whitening, last poll and the progress of running jobs.");
        admin.MapPost("/reindex", PostReindex).WithName("AdminReindex").WithDescription("Queue a reindex of all posts or of given cids; progress in /admin/status.");
    }

    private static async Task<Ok<object>> GetStatus(IndexStatusReader statusReader, IServiceProvider services, CancellationToken cancellationToken)
    {
        var status = await statusReader.ReadAsync(cancellationToken);
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
