namespace InterCom.Core.FlowControl;

/// <summary>What the receiving half (RDP) publishes to the shared counters: what it receives, and what the peers report about our stream.</summary>
/// <param name="Heartbeat">Monotonic milliseconds (<see cref="Environment.TickCount64"/>) of the last publication.</param>
/// <param name="ProcessId">The publishing process.</param>
/// <param name="PacketsReceived">Distinct packets received from all senders.</param>
/// <param name="BytesReceived">Payload bytes received.</param>
/// <param name="PacketsLost">Packets lost, all senders.</param>
/// <param name="PacketsLate">Packets that came after their playout time.</param>
/// <param name="FramesConcealed">Frames concealed.</param>
/// <param name="JitterMicros">Largest interarrival jitter among the senders, microseconds.</param>
/// <param name="PlayoutDelayMicros">Largest playout delay among the senders, microseconds.</param>
/// <param name="RoundTripMicros">Round-trip time from the last receiver report about our stream (LSR/DLSR), microseconds; 0 until known.</param>
/// <param name="RemoteFractionLost">Fraction of our packets lost, as the worst recent receiver report says, in 1/256.</param>
/// <param name="RemoteJitterMicros">Jitter of our stream as the peers see it, microseconds.</param>
/// <param name="ReportsReceived">Receiver report blocks about our stream received so far (changes when a new one comes).</param>
public readonly record struct RdpCounters(
    long Heartbeat,
    long ProcessId,
    long PacketsReceived,
    long BytesReceived,
    long PacketsLost,
    long PacketsLate,
    long FramesConcealed,
    long JitterMicros,
    long PlayoutDelayMicros,
    long RoundTripMicros,
    long RemoteFractionLost,
    long RemoteJitterMicros,
    long ReportsReceived);
