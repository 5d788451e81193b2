using InterCom.Core.Testing;
using InterCom.Core.Codecs;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>
/// Adaptive playout and time-stretching on virtual time (<see cref="VirtualCall"/>): the target
/// follows the network up fast and down slowly, the delay follows the target without jumps, and
/// drifting clocks keep a bounded delay for an hour; a device reading in lock-step with the sender
/// plays with no more delay than the framing leaves.
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

    /// <summary>
    /// Two ends on one audio clock, as two JACK clients of one server: the sender sends the frames each
    /// 256-sample period completes, in the period's callback; the receiver's device reads 256 samples a
    /// period, just before the sender's callback of the same period. A sample reaches the other end
    /// no sooner than the next period (a direct wire in the server takes that period too), and the
    /// frame a period boundary cuts waits for the next one: 2.5 ms frames against 256-sample periods,
    /// up to 112 samples (the residues of 256·m modulo 120). So one period beyond a direct wire is
    /// <c>period + 112</c> samples at least (plus Opus's 120-sample lookahead), and the buffer must
    /// get there by itself, from its 40 ms start. The goals: L16 at most one period beyond the wire,
    /// Opus at most one period and 5 ms.
    /// </summary>
    [Theory]
    [InlineData(AudioCodec.Pcm, 0)]
    [InlineData(AudioCodec.Opus, 120)] // restricted-lowdelay: 2.5 ms of lookahead
    public void Reads_in_lock_step_with_the_sender_play_with_the_least_delay_the_framing_allows(AudioCodec codec, int lookahead)
    {
        const int period = 256, frame = 120, residue = 112;
        var recording = new float[48_000 * 12];
        using var call = new VirtualCall(codec, new JitterBufferOptions(), frame, OpusApplicationMode.RestrictedLowDelay, new NoiseSource(seed: 7))
        {
            ReadSamples = period,
            SenderPeriodSamples = period,
            Network = _ => 0.3,
            Recording = recording,
        };

        call.Run(TimeSpan.FromSeconds(12));
        var sent = new float[recording.Length];
        new NoiseSource(seed: 7).Read(sent, CancellationToken.None);
        int from = 48_000 * 10; // the last two seconds
        (int delay, double correlation) = SignalAnalysis.BestLag(sent.AsSpan(from, 48_000), recording.AsSpan(from), maxLag: 2400);
        PeerStatistics stats = call.Statistics;
        output.WriteLine($"{codec}: delay {delay} samples ({delay / 48.0:F2} ms), {delay - period} beyond one period; correlation {correlation:F3}; buffer delay {stats.PlayoutDelayMs:F2} ms, target {stats.TargetDelayMs:F2} ms, shortened {stats.ShortenedMs:F1} ms, expanded {stats.ExpandedMs:F1} ms, concealed {stats.FramesConcealed}");

        Assert.True(correlation > (codec == AudioCodec.Pcm ? 0.99 : 0.5), $"correlation {correlation:F3}: not the sent signal"); // Opus at 32 kb/s keeps noise only roughly (measured 0.77)
        Assert.InRange(delay - period, residue + lookahead, period + lookahead + (codec == AudioCodec.Opus ? 240 : 0));
        Assert.Equal(0, stats.FramesConcealed);
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

        // The target is the slack kept beyond what a read takes; the delay, what is queued at a read,
        // the frame it takes included. Calm, every packet comes 5 ms before its read: nothing more is needed.
        Assert.InRange(targets[19], 0, 5);            // calm: as low as the network allows
        Assert.InRange(delays[19], 10, 15);           // one frame, and next to nothing beyond it
        Assert.InRange(targets[21], 15, 80);          // up within a second of the spike
        Assert.InRange(delays[23], 20, 90);           // and the delay followed (counted to the newest packet: with reordering, below the 40 ms spread)
        Assert.True(targets[31] >= 30, $"target {targets[31]} ms a second after the spike"); // down slowly
        Assert.InRange(targets[79], 0, 5);            // and down in the end
        Assert.InRange(delays[79], 10, 25);
        Assert.True(stats.FramesConcealed < stats.FramesPlayed / 100, $"{stats.FramesConcealed} of {stats.FramesPlayed} frames concealed");

        // No jumps: a tone stays a clean tone through every stretch (only the spike's first lost packets cost a few windows).
        double snr = ToneMeter.SegmentalSnr(recording.AsSpan(48_000), VirtualCall.ToneHz);
        output.WriteLine($"segmental SNR {snr:F1} dB");
        Assert.True(snr > 30, $"segmental SNR {snr:F1} dB");
    }

    /// <summary>
    /// A voice or a tone can only be stretched by whole periods: when the buffer is less than a
    /// period above its target, it waits rather than cut a period in two. (500 Hz: a 96-sample period;
    /// a receiver clock 500 ppm slow fills the buffer by a little at a time, so the excess passes
    /// through every size below a period on its way.)
    /// </summary>
    [Fact]
    public void Stretching_never_cuts_a_tone_mid_period_however_small_the_excess()
    {
        var recording = new float[48_000 * 60];
        using var call = new VirtualCall(AudioCodec.Pcm, new JitterBufferOptions(), source: new Audio.ToneSource(500, Audio.AudioFormat.Mono48k))
        {
            ReceiverPpm = -500,
            ReadSamples = 256, // a device's period: the excess takes any size, not only whole frames
            Recording = recording,
        };

        call.Run(TimeSpan.FromSeconds(60));
        PeerStatistics stats = call.Statistics;
        double snr = ToneMeter.SegmentalSnr(recording.AsSpan(48_000 * 3, 48_000 * 56), 500); // the reader, slower, does not fill the last 30 ms
        double weakest = double.MaxValue; // the tone's level in the weakest 5 ms window: a cut mid-period dips it
        for (int i = 48_000 * 3; i + 240 <= 48_000 * 59; i += 240)
        {
            weakest = Math.Min(weakest, SignalAnalysis.ToneAmplitude(recording.AsSpan(i, 240), 500));
        }

        output.WriteLine($"segmental SNR {snr:F1} dB; weakest window {weakest / Audio.ToneSource.DefaultAmplitude:F3} of the level; expanded {stats.ExpandedMs:F1} ms, shortened {stats.ShortenedMs:F1} ms, concealed {stats.FramesConcealed}");
        Assert.True(stats.ShortenedMs > 40 + 20, "the buffer followed the drift (30 ms in the minute) besides its first 40 ms");
        Assert.Equal(0, stats.FramesConcealed);
        Assert.True(weakest > 0.9 * Audio.ToneSource.DefaultAmplitude, $"a 5 ms window at {weakest / Audio.ToneSource.DefaultAmplitude:F2} of the level: a stretch cut the tone mid-period"); // measured 0.34 when a stretch could be forced within a shorter excess
        Assert.True(snr > 38, $"segmental SNR {snr:F1} dB");
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
        Assert.All(Enumerable.Range(22, 18), s => Assert.InRange(targets[s], 0, 5)); // the step was waited out once: the reads find what they need, as before it
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

/// <summary>Low-passed white noise from a seed: a signal with one clear correlation peak that codecs keep.</summary>
internal sealed class NoiseSource(int seed) : Audio.IAudioSource
{
    private readonly Random _random = new(seed);
    private float _state;

    public Audio.AudioFormat Format => Audio.AudioFormat.Mono48k;

    public bool IsRealTime => false;

    public int Read(Span<float> destination, CancellationToken cancellationToken)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            _state = (0.8f * _state) + (0.2f * (float)((_random.NextDouble() * 2) - 1));
            destination[i] = _state;
        }

        return destination.Length;
    }

    public void Dispose()
    {
    }
}
