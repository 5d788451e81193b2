namespace InterCom.Core.FlowControl;

/// <summary>What the sending half (CES) publishes to the shared counters.</summary>
/// <param name="Heartbeat">Monotonic milliseconds (<see cref="Environment.TickCount64"/>) of the last publication.</param>
/// <param name="ProcessId">The publishing process.</param>
/// <param name="Ssrc">The sender's current SSRC (the receiving half drops packets that carry it).</param>
/// <param name="PacketsSent">RTP packets sent, each peer's copy counted.</param>
/// <param name="BytesSent">RTP payload bytes sent (headers and SRTP tags not included).</param>
/// <param name="TargetBitrate">The Opus bitrate the rate controller chose, bits per second.</param>
/// <param name="FecEnabled">Whether Opus in-band FEC is on.</param>
/// <param name="LossHintPercent">The expected-loss hint given to the Opus encoder, percent.</param>
/// <param name="FramesSuppressed">Frames not sent as audio because the input was silent (discontinuous transmission).</param>
public readonly record struct CesCounters(
    long Heartbeat,
    long ProcessId,
    long Ssrc,
    long PacketsSent,
    long BytesSent,
    long TargetBitrate,
    bool FecEnabled,
    long LossHintPercent,
    long FramesSuppressed = 0);
