using Microsoft.Extensions.Logging;

namespace InterCom.Core.Sessions;

/// <summary>The RTP session's log messages (the ids they had when the pipelines held them).</summary>
internal static partial class SessionsLog
{
    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Another source uses our SSRC {OldSsrc:x8}; now sending as {NewSsrc:x8}")]
    public static partial void SsrcChanged(ILogger logger, uint oldSsrc, uint newSsrc);

    [LoggerMessage(EventId = 212, Level = LogLevel.Debug, Message = "Dropped a datagram the receive path could not handle")]
    public static partial void DatagramFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 216, Level = LogLevel.Error, Message = "Receiver reports failed; the peers no longer hear how their streams arrive")]
    public static partial void TimerFailed(ILogger logger, Exception exception);
}
