using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Hosting;
using InterCom.Core.Jitter;
using InterCom.Core.Rtp;

namespace InterCom.Core.Tests;

public sealed class RtcpFeedbackTests
{
    [Theory]
    [InlineData(30.0, 20.0)]
    [InlineData(0.5, 100.0)]
    [InlineData(250.0, 0.0)]
    public void Round_trip_time_is_arrival_minus_lsr_minus_dlsr(double roundTripMs, double heldMs)
    {
        // Our SR left at t0; the peer held it heldMs before sending its RR; the RR arrives roundTripMs + heldMs later.
        DateTime t0 = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        uint lsr = NtpTime.Compact(NtpTime.From(t0));
        uint dlsr = (uint)(heldMs / 1000 * 65536);
        uint arrival = NtpTime.Compact(NtpTime.From(t0.AddMilliseconds(roundTripMs + heldMs)));
        long? micros = NtpTime.RoundTripMicros(arrival, lsr, dlsr);
        Assert.NotNull(micros);
        Assert.InRange(micros.Value / 1000.0, roundTripMs - 0.05, roundTripMs + 0.05); // 1/65536 s resolution
        Assert.Null(NtpTime.RoundTripMicros(arrival, 0, dlsr)); // no SR seen yet: unknown, not zero
    }

    [Fact]
    public void Report_blocks_count_the_interval_and_the_total_loss()
    {
        using var buffer = new JitterBuffer(9, AudioCodecFactory.CreateDecoder(AudioCodec.Pcm, AudioFormat.Mono48k), new JitterBufferOptions(), 480);
        var payload = new byte[960];
        void Send(int seq) => buffer.Insert(new RtpHeader(96, (ushort)(65530 + seq), (uint)(seq * 480), 9, false), payload, seq * 480);
        for (int seq = 0; seq < 10; seq++)
        {
            if (seq is not (3 or 7))
            {
                Send(seq);
            }
        }

        RtcpReportBlock first = buffer.Reception.TakeReportBlock(9, System.Diagnostics.Stopwatch.GetTimestamp());
        Assert.Equal(9u, first.Ssrc);
        Assert.Equal(2 * 256 / 10, first.FractionLost);  // 2 of 10 in this interval
        Assert.Equal(2, first.CumulativeLost);
        Assert.Equal((uint)(65530 + 9), first.ExtendedHighestSequence); // 65539: one wrap
        Assert.Equal(0u, first.LastSenderReport);

        for (int seq = 10; seq < 20; seq++)
        {
            Send(seq);
        }

        buffer.Reception.OnSenderReport(0x12345678, System.Diagnostics.Stopwatch.GetTimestamp());
        RtcpReportBlock second = buffer.Reception.TakeReportBlock(9, System.Diagnostics.Stopwatch.GetTimestamp());
        Assert.Equal(0, second.FractionLost);              // a clean interval
        Assert.Equal(2, second.CumulativeLost);            // the total stays
        Assert.Equal(0x12345678u, second.LastSenderReport);
        Assert.InRange(second.DelaySinceLastSenderReport, 0u, 65536u / 10); // just received: well under 100 ms
    }
}
