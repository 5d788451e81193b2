using System.Net;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

internal static partial class ProcessHostLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Call on {LocalEndPoint} runs in two processes: sending pid {SenderPid}, receiving pid {ReceiverPid}")]
    public static partial void Started(ILogger logger, IPEndPoint localEndPoint, int senderPid, int receiverPid);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Worker processes stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "The {Worker} worker (pid {Pid}) exited with code {ExitCode}; restarting it")]
    public static partial void WorkerDied(ILogger logger, string worker, int pid, int exitCode);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "The {Worker} worker runs again as pid {Pid}")]
    public static partial void WorkerRestarted(ILogger logger, string worker, int pid);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "The {Worker} worker failed {Failures} times in a row; giving up: {Reason}")]
    public static partial void GaveUp(ILogger logger, string worker, int failures, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "The {Worker} worker (pid {Pid}) did not stop within {Seconds} s; killed")]
    public static partial void WorkerKilled(ILogger logger, string worker, int pid, double seconds);

    [LoggerMessage(EventId = 309, Level = LogLevel.Warning, Message = "The {Worker} worker (pid {Pid}) has not beaten for {Seconds:F1} s (stopped or hung); killed it, restarting it")]
    public static partial void WorkerHung(ILogger logger, string worker, int pid, double seconds);

    [LoggerMessage(EventId = 307, Message = "[{Worker} worker] {Category}: {Message}")]
    public static partial void WorkerLogged(ILogger logger, LogLevel level, string worker, string category, string message);

    [LoggerMessage(EventId = 308, Level = LogLevel.Error, Message = "The {Role} worker failed: {Reason}")]
    public static partial void WorkerFailed(ILogger logger, WorkerRole role, string reason);
}
