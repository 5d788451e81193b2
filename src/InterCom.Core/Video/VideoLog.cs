using Microsoft.Extensions.Logging;

namespace InterCom.Core.Video;

internal static partial class VideoLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Sending video {Format} as SSRC {Ssrc:x8}, up to {Bitrate} b/s")]
    public static partial void SendStarted(ILogger logger, VideoFormat format, uint ssrc, int bitrate);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "The video source ended; no more video is sent")]
    public static partial void SourceEnded(ILogger logger);

    [LoggerMessage(EventId = 602, Level = LogLevel.Error, Message = "Video capture or encoding failed; no more video is sent")]
    public static partial void SendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "New video sender SSRC {Ssrc:x8} from {EndPoint}")]
    public static partial void NewSender(ILogger logger, uint ssrc, System.Net.IPEndPoint endPoint);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "Video sender SSRC {Ssrc:x8} left: {Reason}")]
    public static partial void SenderLeft(ILogger logger, uint ssrc, string reason);

    [LoggerMessage(EventId = 612, Level = LogLevel.Error, Message = "Video decoding or rendering failed; the call goes on without video")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 613, Level = LogLevel.Warning, Message = "The video sink failed ({Reason}); frames are no longer shown")]
    public static partial void SinkFailed(ILogger logger, string reason);
}
