using System.Net;

namespace InterCom.Core.Pipelines;

/// <summary>What the audio side tells lip sync: how late a sender's audio plays after its capture.</summary>
internal interface IAudioPlayoutClock
{
    /// <summary>
    /// From capture (the sender's clock) to the playout point here (this host's), in seconds, for the audio
    /// of <paramref name="sender"/>; it holds the offset between the clocks, as the video's transit does.
    /// <see langword="null"/> without audio from there, or before its first sender report.
    /// </summary>
    double? AudioDelaySeconds(IPEndPoint sender);
}
