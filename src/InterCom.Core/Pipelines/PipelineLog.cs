using Microsoft.Extensions.Logging;

namespace InterCom.Core.Pipelines;

internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Sending {Codec} as SSRC {Ssrc:x8}, {FrameMs} ms frames, to {PeerCount} peer(s)")]
    public static partial void SendStarted(ILogger logger, string codec, uint ssrc, double frameMs, int peerCount);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "The audio source ended; no more audio is sent")]
    public static partial void SourceEnded(ILogger logger);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Capture failed; no more audio is sent")]
    public static partial void CaptureFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Rate control: {Before} -> {After} b/s, FEC {Fec}, loss hint {LossHint} % (receivers report {ReportedLoss:F1} % lost, round trip {QueueDelayMs:F0} ms above its base: {Verdict})")]
    public static partial void RateChanged(ILogger logger, int before, int after, bool fec, int lossHint, double reportedLoss, double queueDelayMs, string verdict);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "New sender SSRC {Ssrc:x8} from {EndPoint} ({Codec})")]
    public static partial void NewSender(ILogger logger, uint ssrc, System.Net.IPEndPoint endPoint, Codecs.AudioCodec codec);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Sender SSRC {Ssrc:x8} from {EndPoint} left: {Reason}")]
    public static partial void SenderLeft(ILogger logger, uint ssrc, System.Net.IPEndPoint endPoint, string reason);


    [LoggerMessage(EventId = 214, Level = LogLevel.Information, Message = "Playback is pulled by the device's callback straight from the jitter buffers")]
    public static partial void PlaybackPulled(ILogger logger);

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "Managed Opus allocates as it decodes, so decoding stays off the device's callback: a thread feeds the device a period ahead (install libopus-dev for native libopus and a period less delay)")]
    public static partial void PlaybackPushed(ILogger logger);


    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "Playback failed; the call no longer plays audio")]
    public static partial void PlaybackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 217, Level = LogLevel.Error, Message = "The output failed ({Reason}); the call goes on without it")]
    public static partial void OutputFailed(ILogger logger, string reason);

}
