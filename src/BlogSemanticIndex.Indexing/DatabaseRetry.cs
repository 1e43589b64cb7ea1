using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Npgsql;
using Polly;
using Polly.Retry;

namespace BlogSemanticIndex.Indexing;

/// <summary>
/// Retries database operations of the blog and the index that failed for a reason a later attempt can cure (a lost
/// connection, a server restarting, a lock or serialization conflict), with exponential backoff and jitter. Anything
/// else — a missing table, a refused login, a constraint violation — fails at once. Callers retry only operations that
/// are safe to repeat: reads, and the indexer's batch writes, which are idempotent replaces in one transaction.
/// </summary>
public sealed class DatabaseRetry
{
    // PostgreSQL SQLSTATEs worth another attempt: the server went away or is starting, or a transaction lost a race.
    private static readonly HashSet<string> TransientPostgresStates =
    [
        "57P01", // admin_shutdown (pg_terminate_backend, server stop)
        "57P02", // crash_shutdown
        "57P03", // cannot_connect_now (starting up, in recovery)
        "53300", // too_many_connections
        "40001", // serialization_failure
        "40P01", // deadlock_detected
        "55P03", // lock_not_available
    ];

    private readonly ResiliencePipeline _pipeline;
    private int _retries;

    public DatabaseRetry(IndexerOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (options.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = options.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                // Never longer than a poll interval: a poll waiting out a long backoff after the database is back
                // holds removals and new posts for that long (the soak benchmark's restart: 20 s at a 5 s poll).
                MaxDelay = options.RetryMaxDelay < options.PollInterval ? options.RetryMaxDelay : options.PollInterval,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    logger.RetryingTransientFailure(args.Outcome.Exception, args.Context.OperationKey, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        }
        _pipeline = builder.Build();
    }

    /// <summary>Retries performed by this instance since it was created.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Runs <paramref name="operation"/>, retrying transient database failures; <paramref name="name"/> appears in the log.</summary>
    public async Task<T> ExecuteAsync<T>(string name, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(name, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, op) => await op(ctx.CancellationToken), context, operation);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public Task ExecuteAsync(string name, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        ExecuteAsync(name, async ct =>
        {
            await operation(ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Whether <paramref name="error"/> is a database failure a retry can cure. Cancellation never is: a cancelled run
    /// stops, and its uncommitted batch is rolled back.
    /// </summary>
    public static bool IsTransient(Exception error)
    {
        switch (error)
        {
            case OperationCanceledException:
                return false;
            case PostgresException pg:
                return pg.IsTransient || TransientPostgresStates.Contains(pg.SqlState) || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
            case NpgsqlException npgsql:
                // Npgsql marks I/O and timeout failures transient; a connection closed under a command is one.
                return npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException;
            case MySqlException mysql:
                return mysql.IsTransient || mysql.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.LockDeadlock
                    or MySqlErrorCode.LockWaitTimeout or MySqlErrorCode.ConnectionCountError or MySqlErrorCode.ServerShutdown;
            case SqliteException sqlite:
                // SQLITE_BUSY and SQLITE_LOCKED: a writer holds the file (Typecho saving a post).
                return sqlite.SqliteErrorCode is 5 or 6;
            case DbException db:
                return db.IsTransient;
            case TimeoutException or SocketException:
                return true;
            case IOException when error.InnerException is SocketException:
                return true;
            default:
                return false;
        }
    }
}

internal static partial class DatabaseRetryLog
{
    [LoggerMessage(LogLevel.Warning, "Database operation {Operation} failed transiently (attempt {Attempt}); retrying in {RetryDelay}")]
    public static partial void RetryingTransientFailure(this ILogger logger, Exception? exception, string? operation, int attempt, TimeSpan retryDelay);
}
