namespace BlogSemanticIndex.Service.Hosting;

internal static class ClientClosedRequest
{
    /// <summary>
    /// A request the client abandoned (closed the connection, timed out) ends as 499, nginx's "client closed request",
    /// logged as an ordinary request line: the cancellation it causes downstream is not a server error, and logging
    /// it as a 500 with a stack trace would hide the real ones. Goes inside the request logging.
    /// </summary>
    public static void UseClientClosedRequest(this WebApplication app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
    });
}
