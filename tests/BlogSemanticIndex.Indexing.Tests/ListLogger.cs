using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BlogSemanticIndex.Indexing.Tests;

internal sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);

/// <summary>Keeps every log line so a test can assert what was logged (a skipped post's reason, a retry).</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public ILogger<T> CreateLogger<T>() => new Logger<T>(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), exception));
    }
}
