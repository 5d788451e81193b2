using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace InterCom.Cli;

/// <summary>The command's log: Microsoft.Extensions.Logging.Console to standard error, one line per entry.</summary>
internal static class ConsoleLogging
{
    /// <summary>Warnings and errors; with <paramref name="verbose"/>, what the library does too.</summary>
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddConsole(options =>
        {
            options.FormatterName = LineFormatter.FormatterName;
            options.LogToStandardErrorThreshold = LogLevel.Trace; // standard output carries results, never the log
        })
        .AddConsoleFormatter<LineFormatter, ConsoleFormatterOptions>());

    /// <summary><c>HH:mm:ss.fff warn Category: message</c>, the category without its namespace.</summary>
    private sealed class LineFormatter() : ConsoleFormatter(FormatterName)
    {
        public const string FormatterName = "intercom";

        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            string category = logEntry.Category[(logEntry.Category.LastIndexOf('.') + 1)..];
            string level = logEntry.LogLevel.ToString()[..4].ToLowerInvariant();
            textWriter.Write($"{DateTime.Now:HH:mm:ss.fff} {level} {category}: {message}");
            textWriter.WriteLine(logEntry.Exception is null ? string.Empty : $": {logEntry.Exception.Message}");
        }
    }
}
