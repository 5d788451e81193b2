namespace InterCom.Core.Rtp;

/// <summary>16-bit RTP sequence arithmetic with wrap-around (RFC 3550 appendix A.1).</summary>
public static class RtpSequence
{
    /// <summary>
    /// Extends a 16-bit sequence number to the 64-bit count nearest to <paramref name="reference"/>
    /// (an extended number already seen), so that 65535 → 0 continues as 65536 and a reordered 65535
    /// after 65536 maps back to 65535.
    /// </summary>
    /// <param name="sequenceNumber">The 16-bit number from the packet.</param>
    /// <param name="reference">An extended number of the same stream, e.g. the highest seen.</param>
    public static long Extend(ushort sequenceNumber, long reference)
    {
        short delta = unchecked((short)(sequenceNumber - (ushort)reference));
        return reference + delta;
    }

    /// <summary>Whether <paramref name="a"/> comes after <paramref name="b"/> modulo 2^16 (within half the space).</summary>
    public static bool IsNewer(ushort a, ushort b) => unchecked((short)(a - b)) > 0;
}
