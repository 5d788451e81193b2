namespace InterCom.Core.Diagnostics;

/// <summary>What a call received over all its senders (those that left included).</summary>
/// <param name="PacketsReceived">RTP packets taken into jitter buffers.</param>
/// <param name="BytesReceived">Their payload bytes.</param>
/// <param name="PacketsLost">Packets that never came.</param>
/// <param name="PacketsLate">Packets that came after their playout time.</param>
/// <param name="FramesConcealed">Frames made up by concealment.</param>
/// <param name="JitterMs">The largest interarrival jitter among the current senders, milliseconds.</param>
/// <param name="PlayoutDelayMs">The largest playout delay among the current senders, milliseconds.</param>
public sealed record ReceiveTotals(long PacketsReceived, long BytesReceived, long PacketsLost, long PacketsLate, long FramesConcealed, double JitterMs, double PlayoutDelayMs)
{
    /// <summary>Sums <paramref name="peers"/>' counters; jitter and delay are the largest of the senders that have not left.</summary>
    public static ReceiveTotals Of(IEnumerable<PeerStatistics> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        long received = 0, bytes = 0, lost = 0, late = 0, concealed = 0;
        double jitter = 0, delay = 0;
        foreach (PeerStatistics p in peers)
        {
            received += p.PacketsReceived;
            bytes += p.BytesReceived;
            lost += p.PacketsLost;
            late += p.PacketsLate;
            concealed += p.FramesConcealed;
            if (!p.HasLeft)
            {
                jitter = Math.Max(jitter, p.JitterMs);
                delay = Math.Max(delay, p.PlayoutDelayMs);
            }
        }

        return new ReceiveTotals(received, bytes, lost, late, concealed, jitter, delay);
    }
}
