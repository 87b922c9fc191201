using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AptP2P.Testing.Nodes;

/// <summary>Keeps a node's log lines in memory so tests can assert on them and print them when they fail.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToArray();

    public IEnumerable<LogLine> Matching(string fragment) => _lines.Where(l => l.Message.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Polls until a line containing <paramref name="fragment"/> was logged; fails with the whole log after the deadline.</summary>
    public async Task<LogLine> WaitForAsync(string fragment, TimeSpan timeout) => (await WaitForAsync(fragment, 1, timeout))[0];

    /// <summary>Polls until <paramref name="count"/> lines containing <paramref name="fragment"/> were logged; fails with the whole log after the deadline.</summary>
    public async Task<IReadOnlyList<LogLine>> WaitForAsync(string fragment, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Matching(fragment).ToList();
            if (lines.Count >= count)
                return lines;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{lines.Count} of {count} log lines containing '{fragment}' within {timeout.TotalSeconds} s:\n{this}");
            await Task.Delay(20);
        }
    }

    public override string ToString() => string.Join('\n', _lines.Select(l => $"{l.Level} {l.Category}: {l.Message}{(l.Exception is null ? "" : " " + l.Exception)}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception)
    {
        /// <summary>The managed thread that wrote the line.</summary>
        public int ThreadId { get; init; }
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception), exception) { ThreadId = Environment.CurrentManagedThreadId });
            // Bounded: a long test must not grow without limit.
            while (owner._lines.Count > 20_000)
                owner._lines.TryDequeue(out _);
        }
    }
}
