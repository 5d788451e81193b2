namespace InterCom.Core.Rtp;

/// <summary>The sender information of an SR (RFC 3550 section 6.4.1).</summary>
/// <param name="NtpTimestamp">Wall-clock time of the report, 64-bit NTP format.</param>
/// <param name="RtpTimestamp">The same instant in the stream's RTP timestamp units.</param>
/// <param name="PacketCount">RTP packets sent since the stream started.</param>
/// <param name="OctetCount">Payload octets sent since the stream started.</param>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    /// <summary>Size of the sender information on the wire: 20 bytes.</summary>
    public const int Size = 20;

    /// <summary>The middle 32 bits of <see cref="NtpTimestamp"/>: what a receiver echoes as LSR.</summary>
    public uint CompactNtp => (uint)(NtpTimestamp >> 16);
}
