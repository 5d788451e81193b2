namespace InterCom.Core.Rtp;

/// <summary>Wall-clock time in the NTP format RTCP uses (seconds since 1900 in 32.32 fixed point).</summary>
internal static class NtpTime
{
    private static readonly DateTime s_epoch = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static ulong Now() => From(DateTime.UtcNow);

    public static ulong From(DateTime utc)
    {
        TimeSpan since = utc - s_epoch;
        ulong seconds = (ulong)since.Ticks / TimeSpan.TicksPerSecond;
        ulong fraction = (ulong)((since.Ticks % TimeSpan.TicksPerSecond) * (double)(1UL << 32) / TimeSpan.TicksPerSecond);
        return (seconds << 32) | fraction;
    }

    /// <summary>An NTP timestamp as seconds since 1900.</summary>
    public static double Seconds(ulong ntp) => (ntp >> 32) + ((ntp & 0xFFFF_FFFF) / (double)(1UL << 32));

    /// <summary>Now as seconds since 1900, the scale of <see cref="Seconds"/>.</summary>
    public static double NowSeconds() => Seconds(Now());

    /// <summary>The middle 32 bits (16.16 seconds), as LSR and round-trip arithmetic use them.</summary>
    public static uint Compact(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>
    /// Round-trip time from a report block (RFC 3550 section 6.4.1): arrival − LSR − DLSR, in 1/65536 s,
    /// converted to microseconds; <see langword="null"/> when the block carries no LSR (no SR seen yet).
    /// </summary>
    public static long? RoundTripMicros(uint arrivalCompact, uint lastSenderReport, uint delaySinceLastSenderReport)
    {
        if (lastSenderReport == 0)
        {
            return null;
        }

        uint rtt = unchecked(arrivalCompact - lastSenderReport - delaySinceLastSenderReport);
        return rtt > 0x7FFF_FFFF ? 0 : (long)(rtt * 1_000_000.0 / 65536);
    }
}
