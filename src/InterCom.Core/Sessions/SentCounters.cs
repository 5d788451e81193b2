namespace InterCom.Core.Sessions;

/// <summary>
/// What a sender report says about one of our streams: its packets and octets, and its latest RTP
/// timestamp with the moment it stands for (its media's capture), so that the report's NTP/RTP pair
/// places each stream's media on one wall clock.
/// </summary>
internal sealed class SentCounters
{
    private long _packets;
    private long _octets;
    private long _lastTimestamp;
    private long _lastTimestampTicks;

    public long Packets => Interlocked.Read(ref _packets);

    public long Octets => Interlocked.Read(ref _octets);

    /// <summary>One packet of the stream sent (each once, whatever the number of peers); <paramref name="ticks"/>: when its timestamp's media was captured.</summary>
    public void OnSent(uint timestamp, int payloadBytes, long ticks)
    {
        Volatile.Write(ref _lastTimestampTicks, ticks);
        Volatile.Write(ref _lastTimestamp, timestamp);
        Interlocked.Increment(ref _packets);
        Interlocked.Add(ref _octets, payloadBytes);
    }

    /// <summary>The sender information at <paramref name="now"/>: the last timestamp moved on by the time since, at <paramref name="clockRate"/>.</summary>
    public Rtp.RtcpSenderInfo SenderInfo(long now, long ticksPerSecond, int clockRate, ulong ntp)
    {
        long elapsed = now - Volatile.Read(ref _lastTimestampTicks);
        uint timestamp = (uint)(Volatile.Read(ref _lastTimestamp) + (elapsed * clockRate / ticksPerSecond));
        return new Rtp.RtcpSenderInfo(ntp, timestamp, (uint)Packets, (uint)Octets);
    }
}
