using Microsoft.Extensions.Logging;

namespace InterCom.Cli;

/// <summary>A minimal logger to standard error for --verbose (the library only depends on the abstractions).</summary>
internal sealed class StderrLoggerFactory(LogLevel minimum, TextWriter error) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName[(categoryName.LastIndexOf('.') + 1)..], minimum, error);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogLevel minimum, TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string line = $"{DateTime.Now:HH:mm:ss.fff} {logLevel.ToString()[..4].ToLowerInvariant()} {category}: {formatter(state, exception)}";
            lock (error)
            {
                error.WriteLine(exception is null ? line : $"{line}: {exception.Message}");
            }
        }
    }
}
