using InterCom.Core.Audio;
using InterCom.Core.Jitter;
using InterCom.Core.Testing;

namespace InterCom.Core.Tests;

/// <summary>
/// Speech (<see cref="SpeechSource"/>: Opus codes it as speech, with LBRR) through the impairing relay
/// between two real sessions on loopback, and the speech quality measure itself.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class SpeechLossTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Speech_through_ten_percent_random_loss_has_most_lost_frames_rebuilt_from_fec_and_keeps_its_bitrate()
    {
        RobustnessResult r = await RobustnessRun.RunAsync(
            new NetworkImpairment { LossPercent = 10, Seed = 21 }, new JitterBufferOptions(), TimeSpan.FromSeconds(15), source: () => new SpeechSource(AudioFormat.Mono48k, seed: 7));
        long lost = r.Peer.PacketsLost - r.Settled.PacketsLost;
        long rebuilt = r.Peer.FramesRecovered - r.Settled.FramesRecovered;
        long concealed = r.Peer.FramesConcealed - r.Settled.FramesConcealed;
        long played = r.Peer.FramesPlayed - r.Settled.FramesPlayed;
        output.WriteLine($"lost {lost}, rebuilt {rebuilt}, concealed {concealed} of {played} frames; delay mean {r.MeanDelayMs:F1} ms; sender: {r.Sender}");

        Assert.InRange(lost, 80, 200); // 10 % of about 1 300 packets
        // Measured 65-69 % over six 20-30 s runs (benchmarks: fec); a third is the goal.
        Assert.True(rebuilt >= 0.45 * lost, $"{rebuilt} of {lost} lost frames rebuilt from FEC");
        // Every lost frame is rebuilt or concealed once; beyond that only what a busy machine's late
        // reads conceal while waiting (0-4 frames in 28 s on a clean link, measured).
        Assert.InRange(rebuilt + concealed, lost, lost + (played / 100));
        Assert.True(r.Sender.FecEnabled);
        Assert.True(r.Sender.TargetBitrate >= 24_000, $"bitrate {r.Sender.TargetBitrate}: random loss lowered it");
        Assert.InRange(r.MeanDelayMs, 5, 60);
    }

    [Fact]
    public void The_spectral_distance_is_zero_for_the_same_speech_however_delayed_and_grows_with_what_is_missing()
    {
        float[] speech = SpeechSource.Generate(6, seed: 3);
        float[] delayed = [.. new float[4_321], .. speech];
        float[] gappy = (float[])speech.Clone();
        for (int i = 0; i + 480 <= gappy.Length; i += 4_800)
        {
            gappy.AsSpan(i, 480).Clear(); // a frame in ten gone
        }

        float[] noise = new float[speech.Length];
        var random = new Random(1);
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        double same = SpeechQuality.LogSpectralDistance(speech, speech);
        double late = SpeechQuality.LogSpectralDistance(speech, delayed);
        double holes = SpeechQuality.LogSpectralDistance(speech, gappy);
        double other = SpeechQuality.LogSpectralDistance(speech, noise);
        output.WriteLine($"same {same:F2}, delayed {late:F2}, a frame in ten gone {holes:F2}, noise {other:F2} dB");
        Assert.InRange(same, 0, 0.01);
        Assert.InRange(late, 0, 0.01);
        Assert.True(holes > 1 && holes < other, $"gaps {holes:F2} dB, noise {other:F2} dB");
        Assert.True(other > 10, $"noise {other:F2} dB");
    }

    [Fact]
    public void The_speech_source_speaks_most_of_the_time_with_pauses_and_is_the_same_for_a_seed()
    {
        float[] a = SpeechSource.Generate(10, seed: 5);
        Assert.Equal(a, SpeechSource.Generate(10, seed: 5));
        Assert.NotEqual(a, SpeechSource.Generate(10, seed: 6));
        int windows = a.Length / 480, active = 0;
        for (int i = 0; i < windows; i++)
        {
            active += SignalAnalysis.Rms(a.AsSpan(i * 480, 480)) > 0.01 ? 1 : 0;
        }

        Assert.InRange(100.0 * active / windows, 55, 85); // measured 73 %
        Assert.InRange(SignalAnalysis.LongestSilence(a, 480, 0.001), 4_800, 24_000); // pauses of 100 to 350 ms between words (and the fade around them)
        Assert.InRange(a.Max(Math.Abs), 0.1f, 0.9f);
    }
}
