namespace InterCom.Core.Sessions;

/// <summary>
/// Our video stream as the session keeps it: its SSRC, the send history that NACKs are answered from, and
/// what the peers' feedback said about it (keyframe requests, loss, round trip) for the video sender to read.
/// </summary>
internal sealed class LocalVideoStream(uint ssrc, int maxPacket, TimeProvider time)
{
    private uint _ssrc = ssrc;
    private long _keyframeRequests;
    private long _retransmitted;
    private long _nacksReceived;
    private long _fractionLost;
    private long _roundTripMicros;
    private long _reportsReceived;

    public uint Ssrc => Volatile.Read(ref _ssrc);

    public SendHistory History { get; } = new(maxPacket, time);

    public SentCounters Sent { get; } = new();

    /// <summary>PLIs and FIRs received (and the session's own requests after an SSRC change): the sender sends a keyframe when it grows.</summary>
    public long KeyframeRequests => Interlocked.Read(ref _keyframeRequests);

    /// <summary>Packets sent again for a NACK (each peer's copy counted).</summary>
    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    /// <summary>NACK messages received about this stream.</summary>
    public long NacksReceived => Interlocked.Read(ref _nacksReceived);

    /// <summary>What the latest receiver report about this stream said.</summary>
    public RemoteFeedback Feedback => new(
        Interlocked.Read(ref _roundTripMicros), Interlocked.Read(ref _fractionLost), 0, Interlocked.Read(ref _reportsReceived));

    internal void ChangeSsrc(uint ssrc)
    {
        Volatile.Write(ref _ssrc, ssrc);
        History.Clear();
        RequestKeyframe(); // the peers start the new stream from nothing
    }

    internal void RequestKeyframe() => Interlocked.Increment(ref _keyframeRequests);

    internal void OnRetransmitted() => Interlocked.Increment(ref _retransmitted);

    internal void OnNack() => Interlocked.Increment(ref _nacksReceived);

    internal void OnReport(byte fractionLost, long? roundTripMicros)
    {
        Interlocked.Exchange(ref _fractionLost, fractionLost);
        if (roundTripMicros is { } rtt)
        {
            Interlocked.Exchange(ref _roundTripMicros, rtt);
        }

        Interlocked.Increment(ref _reportsReceived);
    }
}
