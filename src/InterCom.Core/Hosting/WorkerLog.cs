using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

/// <summary>
/// How a worker process's log reaches its host: one line per entry on the worker's standard error,
/// <c>LEVEL TAB CATEGORY TAB MESSAGE</c>; the host logs it again through its own logger. Any other
/// line (a crash report from the runtime) is passed on as a warning.
/// </summary>
internal static class WorkerLog
{
    public static string Format(LogLevel level, string category, string message)
        => $"{(int)level}\t{category}\t{message.ReplaceLineEndings(" | ")}";

    public static (LogLevel Level, string Category, string Message) Parse(string line)
    {
        string[] parts = line.Split('\t', 3);
        return parts.Length == 3 && int.TryParse(parts[0], out int level) && level is >= 0 and <= (int)LogLevel.Critical
            ? ((LogLevel)level, parts[1], parts[2])
            : (LogLevel.Warning, "", line);
    }

    /// <summary>The worker's side: writes entries to standard error.</summary>
    internal sealed class Factory(LogLevel minimum, TextWriter error) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, minimum, error);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private sealed class Logger(string category, LogLevel minimum, TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception);
            string line = Format(logLevel, category, exception is null ? message : $"{message}: {exception.Message}");
            lock (error)
            {
                error.WriteLine(line);
                error.Flush();
            }
        }
    }
}
