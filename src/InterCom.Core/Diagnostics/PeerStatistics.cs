using System.Net;

namespace InterCom.Core.Diagnostics;

/// <summary>Receive statistics for one remote sender (one SSRC), at one moment.</summary>
/// <param name="EndPoint">Where the sender's packets come from.</param>
/// <param name="Ssrc">The sender's RTP synchronization source.</param>
/// <param name="PacketsReceived">Distinct packets received (duplicates excluded, late packets included).</param>
/// <param name="BytesReceived">Payload bytes of the distinct packets received.</param>
/// <param name="PacketsLost">Packets never received: expected (highest sequence − first + 1) − received, as RFC 3550 counts.</param>
/// <param name="PacketsLate">Packets that came after their playout time and were dropped.</param>
/// <param name="PacketsDuplicate">Extra copies of packets already received, ignored.</param>
/// <param name="FramesConcealed">Frames synthesized (Opus PLC, PCM fade) because their packet was missing at playout time.</param>
/// <param name="FramesDiscarded">Packets discarded unplayed because the delay stayed far (200 ms) above the target, e.g. a burst after a stall.</param>
/// <param name="JitterMs">Interarrival jitter (RFC 3550 section 6.4.1), milliseconds.</param>
/// <param name="PlayoutDelayMs">Audio queued for this sender ahead of the playout point when it is read, what each read takes included (a frame, or a device period when the device pulls), milliseconds (smoothed).</param>
/// <param name="HasLeft">Whether the sender has left (BYE, silence past the timeout, or removed): these are its final counters.</param>
public sealed record PeerStatistics(
    IPEndPoint EndPoint,
    uint Ssrc,
    long PacketsReceived,
    long BytesReceived,
    long PacketsLost,
    long PacketsLate,
    long PacketsDuplicate,
    long FramesConcealed,
    long FramesDiscarded,
    double JitterMs,
    double PlayoutDelayMs,
    bool HasLeft = false)
{
    /// <summary>Lost frames rebuilt from the in-band FEC of the packet after them (Opus), instead of concealed.</summary>
    public long FramesRecovered { get; init; }

    /// <summary>Frames the buffer produced while playing: decoded, rebuilt from FEC, or concealed (the base for a concealed percentage).</summary>
    public long FramesPlayed { get; init; }

    /// <summary>The audio beyond each read that the buffer is steering to now, milliseconds (adaptive: what the last packets' spares allow; fixed: <see cref="Jitter.JitterBufferOptions.TargetDelay"/>).</summary>
    public double TargetDelayMs { get; init; }

    /// <summary>Audio inserted by time-stretching to raise the delay, milliseconds in all.</summary>
    public double ExpandedMs { get; init; }

    /// <summary>Audio removed by time-stretching to lower the delay, milliseconds in all.</summary>
    public double ShortenedMs { get; init; }

    /// <summary>Comfort noise played while the sender was silent (discontinuous transmission), milliseconds in all.</summary>
    public double ComfortNoiseMs { get; init; }

    /// <summary>A readable line: who, then what came, what was missing, and the delay.</summary>
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{EndPoint} SSRC {Ssrc:x8}{(HasLeft ? " (left)" : "")}: {PacketsReceived} packets ({BytesReceived} payload bytes), {PacketsLost} lost, {PacketsLate} late, {PacketsDuplicate} duplicate; {FramesPlayed} frames played, {FramesConcealed} concealed, {FramesRecovered} recovered by FEC, {FramesDiscarded} discarded; jitter {JitterMs:F1} ms, delay {PlayoutDelayMs:F1} ms (target {TargetDelayMs:F1}), stretched +{ExpandedMs:F0}/-{ShortenedMs:F0} ms{(ComfortNoiseMs > 0 ? $", comfort noise {ComfortNoiseMs:F0} ms" : "")}");
}
