namespace InterCom.Core.Rtp;

/// <summary>One reception report block of an SR or RR (RFC 3550 section 6.4.1).</summary>
/// <param name="Ssrc">The source this block reports on.</param>
/// <param name="FractionLost">Packets lost since the previous report, as a fraction of 256.</param>
/// <param name="CumulativeLost">Packets lost since reception began (24-bit signed).</param>
/// <param name="ExtendedHighestSequence">Highest sequence number received, with the wrap count in the high 16 bits.</param>
/// <param name="Jitter">Interarrival jitter in timestamp units.</param>
/// <param name="LastSenderReport">The middle 32 bits of the NTP timestamp of the last SR received from the source (LSR).</param>
/// <param name="DelaySinceLastSenderReport">Delay since that SR was received, in 1/65536 s (DLSR).</param>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    /// <summary>Size of a report block on the wire: 24 bytes.</summary>
    public const int Size = 24;
}
