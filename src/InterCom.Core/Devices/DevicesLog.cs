using Microsoft.Extensions.Logging;

namespace InterCom.Core.Devices;

internal static partial class DevicesLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Audio device {Device} lost: {Reason}. The call goes on without it (sending silence, receiving); reopening it as soon as it is back")]
    public static partial void Lost(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Audio device {Device} lost: {Reason}. Giving up on it (on-device-loss fail)")]
    public static partial void Failed(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Audio device {Device} is back after {Seconds:F1} s")]
    public static partial void Reopened(ILogger logger, string device, double seconds);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "Audio device {Device} not back yet: {Reason}")]
    public static partial void StillLost(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "A handler of the device's state changes failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "Audio device {Device}: PortAudio did not close the stream within {Milliseconds} ms; abandoned it (a fresh PortAudio instance opens the device again)")]
    public static partial void CloseAbandoned(ILogger logger, string device, double milliseconds);
}
