using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace BlogSemanticIndex.Indexing.Tests;

public sealed class DatabaseRetryTests
{
    [Theory]
    [InlineData("57P01", true)]  // admin_shutdown: the server was stopped or the backend terminated
    [InlineData("57P03", true)]  // cannot_connect_now: the server is starting
    [InlineData("08006", true)]  // connection_failure
    [InlineData("40001", true)]  // serialization_failure
    [InlineData("42P01", false)] // undefined_table: a retry cannot cure it
    [InlineData("23505", false)] // unique_violation
    [InlineData("28P01", false)] // invalid_password
    public void Postgres_errors_are_retried_only_when_a_retry_can_cure_them(string sqlState, bool transient) =>
        Assert.Equal(transient, DatabaseRetry.IsTransient(new PostgresException("message", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void A_connection_lost_mid_command_is_transient() =>
        Assert.True(DatabaseRetry.IsTransient(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));

    [Theory]
    [InlineData(5, true)]   // SQLITE_BUSY: Typecho is writing
    [InlineData(6, true)]   // SQLITE_LOCKED
    [InlineData(1, false)]  // SQLITE_ERROR: bad SQL or a missing table
    [InlineData(14, false)] // SQLITE_CANTOPEN
    public void Sqlite_errors_are_retried_only_when_the_file_is_busy(int code, bool transient) =>
        Assert.Equal(transient, DatabaseRetry.IsTransient(new SqliteException("message", code)));

    [Fact]
    public void Cancellation_and_programming_errors_are_never_retried()
    {
        Assert.False(DatabaseRetry.IsTransient(new OperationCanceledException()));
        Assert.False(DatabaseRetry.IsTransient(new InvalidOperationException("bug")));
        Assert.True(DatabaseRetry.IsTransient(new TimeoutException()));
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_until_the_operation_succeeds()
    {
        var logs = new ListLoggerFactory();
        var retry = new DatabaseRetry(IndexerHarness.TestOptions(), logs.CreateLogger("retry"));
        var attempts = 0;

        var result = await retry.ExecuteAsync("flaky read", _ =>
        {
            if (++attempts < 3)
            {
                throw new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01");
            }
            return Task.FromResult(42);
        }, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(2, retry.Retries);
        Assert.Equal(2, logs.Entries.Count(e => e.Message.Contains("flaky read") && e.Message.Contains("failed transiently")));
    }

    [Fact]
    public async Task No_retry_waits_longer_than_a_poll_interval()
    {
        var logs = new ListLoggerFactory();
        var options = new IndexerOptions
        {
            PollInterval = TimeSpan.FromSeconds(1),
            RetryAttempts = 5,
            RetryBaseDelay = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromSeconds(30),
        };
        var retry = new DatabaseRetry(options, logs.CreateLogger("retry"));
        var attempts = 0;

        await retry.ExecuteAsync("read during an outage", _ => ++attempts <= 5
            ? throw new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03")
            : Task.FromResult(0), CancellationToken.None);

        // Uncapped, the fourth and fifth would wait about 1.6 and 3.2 s.
        var delays = logs.Entries.Where(e => e.Message.Contains("retrying in")).Select(e => TimeSpan.Parse(e.Message[(e.Message.LastIndexOf("retrying in ", StringComparison.Ordinal) + 12)..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(5, delays.Count);
        Assert.All(delays, d => Assert.True(d <= TimeSpan.FromSeconds(1), $"a retry waited {d}"));
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried()
    {
        var retry = new DatabaseRetry(IndexerHarness.TestOptions(), new ListLoggerFactory().CreateLogger("retry"));
        var attempts = 0;

        await Assert.ThrowsAsync<PostgresException>(() => retry.ExecuteAsync("read", _ =>
        {
            attempts++;
            throw new PostgresException("relation does not exist", "ERROR", "ERROR", "42P01");
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Equal(0, retry.Retries);
    }
}
