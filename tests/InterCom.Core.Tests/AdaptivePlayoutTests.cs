using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>
/// Adaptive playout and time-stretching on virtual time (<see cref="VirtualCall"/>): the target
/// follows the network up fast and down slowly, the delay follows the target without jumps, and
/// drifting clocks keep a bounded delay for an hour.
/// </summary>
[Collection(RealTimeCollection.Name)] // alone: see the allocation count below
public sealed class AdaptivePlayoutTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(200)]
    [InlineData(-200)]
    public void An_hour_of_clock_drift_keeps_the_delay_bounded_without_underruns_or_growing_memory(double ppm)
    {
        double minDelay = double.MaxValue, maxDelay = 0;
        using var call = new VirtualCall(AudioCodec.Pcm, new JitterBufferOptions())
        {
            ReceiverPpm = ppm,
            EverySecond = (second, stats) =>
            {
                if (second >= 60)
                {
                    minDelay = Math.Min(minDelay, stats.PlayoutDelayMs);
                    maxDelay = Math.Max(maxDelay, stats.PlayoutDelayMs);
                }
            },
        };

        call.Run(TimeSpan.FromHours(1));
        long allocated = call.AllocatedAfterTenMinutes;
        PeerStatistics stats = call.Statistics;
        output.WriteLine($"{ppm:+0;-0} ppm: delay {minDelay:F1}..{maxDelay:F1} ms, target {stats.TargetDelayMs:F1} ms, expanded {stats.ExpandedMs:F0} ms, shortened {stats.ShortenedMs:F0} ms, concealed {stats.FramesConcealed}, discarded {stats.FramesDiscarded}, allocated after 10 min {allocated} B");

        // 200 ppm over an hour is 720 ms of audio: only stretching (one way) keeps the delay where it was.
        double drifted = Math.Abs(ppm) * 1e-6 * 3600 * 1000;
        Assert.InRange(ppm > 0 ? stats.ExpandedMs - stats.ShortenedMs : stats.ShortenedMs - stats.ExpandedMs, drifted * 0.9, drifted * 1.1);
        Assert.InRange(minDelay, 5, 40);
        Assert.InRange(maxDelay, minDelay, 40);
        Assert.Equal(0, stats.FramesConcealed);   // no underrun at all, let alone storms
        Assert.Equal(0, stats.FramesDiscarded);
        // Memory flat: 300 000 frames in the last 50 minutes, and the call's own code allocated nothing
        // in them. The test runs alone: beside tests that allocate heavily, a call here was charged
        // about 8 KB (an allocation context's worth) now and then when their collections came.
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_target_rises_within_a_second_of_a_jitter_spike_and_falls_slowly_after_it()
    {
        var random = new Random(5);
        var targets = new Dictionary<int, double>();
        var delays = new Dictionary<int, double>();
        var recording = new float[48_000 * 80];
        using var call = new VirtualCall(AudioCodec.Pcm, new JitterBufferOptions())
        {
            // Calm (5 ms, ±0.5) for 20 s, then 40 ± 20 ms for 10 s, then calm again.
            Network = n => n is >= 2000 and < 3000 ? 40 + (40 * (random.NextDouble() - 0.5)) : 5 + random.NextDouble() - 0.5,
            EverySecond = (second, stats) => (targets[second], delays[second]) = (stats.TargetDelayMs, stats.PlayoutDelayMs),
            Recording = recording,
        };

        call.Run(TimeSpan.FromSeconds(80));
        PeerStatistics stats = call.Statistics;
        output.WriteLine("second: target / delay ms");
        output.WriteLine(string.Join("  ", targets.Keys.Select(s => $"{s}: {targets[s]:F0}/{delays[s]:F0}")));
        output.WriteLine($"concealed {stats.FramesConcealed} of {stats.FramesPlayed}, late {stats.PacketsLate}, expanded {stats.ExpandedMs:F0} ms, shortened {stats.ShortenedMs:F0} ms");

        Assert.InRange(targets[19], 1, 15);           // calm: as low as the network allows
        Assert.InRange(targets[21], 35, 80);          // up within a second of the spike
        Assert.InRange(delays[23], 30, 90);           // and the delay followed
        Assert.True(targets[31] >= 30, $"target {targets[31]} ms a second after the spike"); // down slowly
        Assert.InRange(targets[79], 1, 15);           // and down in the end
        Assert.InRange(delays[79], 5, 25);
        Assert.True(stats.FramesConcealed < stats.FramesPlayed / 100, $"{stats.FramesConcealed} of {stats.FramesPlayed} frames concealed");

        // No jumps: a tone stays a clean tone through every stretch (only the spike's first lost packets cost a few windows).
        double snr = ToneMeter.SegmentalSnr(recording.AsSpan(48_000), VirtualCall.ToneHz);
        output.WriteLine($"segmental SNR {snr:F1} dB");
        Assert.True(snr > 30, $"segmental SNR {snr:F1} dB");
    }

    [Fact]
    public void A_lasting_shift_of_the_whole_stream_is_not_taken_for_jitter()
    {
        var targets = new Dictionary<int, double>();
        var delays = new Dictionary<int, double>();
        using var call = new VirtualCall(AudioCodec.Pcm, new JitterBufferOptions())
        {
            // The path gets 20 ms longer after 20 s and stays so (a route change, or a sender's
            // timestamps falling behind after a device dropout): a step, not jitter.
            Network = n => n < 2000 ? 5 : 25,
            EverySecond = (second, stats) => (targets[second], delays[second]) = (stats.TargetDelayMs, stats.PlayoutDelayMs),
        };

        call.Run(TimeSpan.FromSeconds(40));
        output.WriteLine(string.Join("  ", targets.Keys.Select(s => $"{s}: {targets[s]:F0}/{delays[s]:F0}")));
        Assert.All(Enumerable.Range(22, 18), s => Assert.InRange(targets[s], 1, 15)); // the floor moved within its 0.5-1 s window, and the histograms with it
        Assert.InRange(delays[35], 5, 25);   // and the 20 ms the step added to the queue were stretched away
        Assert.True(call.Statistics.FramesConcealed <= 3, $"{call.Statistics.FramesConcealed} frames concealed"); // the step itself: 20 ms of waiting
    }

    [Fact]
    public void A_fixed_target_stays_where_it_is_set_and_is_reached_by_stretching_not_by_discarding()
    {
        using var call = new VirtualCall(AudioCodec.Pcm, new JitterBufferOptions { Adaptive = false, TargetDelay = TimeSpan.FromMilliseconds(150) })
        {
            Network = n => n < 500 ? 5 : 0.5, // the path gets 4.5 ms shorter after 5 s: that much more queues up
        };

        call.Run(TimeSpan.FromSeconds(30));
        PeerStatistics stats = call.Statistics;
        output.WriteLine($"target {stats.TargetDelayMs} ms, delay {stats.PlayoutDelayMs:F1} ms, shortened {stats.ShortenedMs:F0} ms, expanded {stats.ExpandedMs:F0} ms");
        Assert.Equal(150, stats.TargetDelayMs);
        Assert.InRange(stats.PlayoutDelayMs, 150 - 5, 150 + 10 + 5); // target + the frame being played, ± the band
        Assert.Equal(0, stats.FramesDiscarded);
        Assert.Equal(0, stats.FramesConcealed);
    }
}
