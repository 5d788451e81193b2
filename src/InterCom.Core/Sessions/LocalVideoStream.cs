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
    private int _targetBitrate;
    private double _budgetBytes;
    private long _budgetTicks;
    private long _budgetDenied;

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

    /// <summary>The bitrate the video is sent at now (the sender sets it): retransmissions get a quarter more.</summary>
    public int TargetBitrate
    {
        get => Volatile.Read(ref _targetBitrate);
        set => Volatile.Write(ref _targetBitrate, value);
    }

    /// <summary>Packets a NACK asked for that were not sent again: over the retransmission budget.</summary>
    public long RetransmissionsDenied => Interlocked.Read(ref _budgetDenied);

    /// <summary>
    /// Whether <paramref name="bytes"/> more may be sent again now: retransmissions are held to a quarter of
    /// the video's bitrate (with a burst of 200 ms of that, and never less than a few whole packets), so that
    /// on a link already too slow they do not take what the audio and the new frames need. Receive thread only.
    /// </summary>
    internal bool TryTakeRetransmissionBudget(int bytes, long now, long ticksPerSecond)
    {
        double rate = TargetBitrate / 8.0 / 4; // bytes per second
        double burst = Math.Max(rate * 0.2, 4.0 * RtpSession.MaxVideoPacket);
        _budgetBytes = Math.Min(burst, _budgetTicks == 0 ? burst : _budgetBytes + ((now - _budgetTicks) * rate / ticksPerSecond));
        _budgetTicks = now;
        if (_budgetBytes < bytes)
        {
            Interlocked.Increment(ref _budgetDenied);
            return false;
        }

        _budgetBytes -= bytes;
        return true;
    }

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
