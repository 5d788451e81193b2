using InterCom.Core.Testing;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>Shortening and lengthening by a pitch period: the sound stays clean, and only similar stretches are joined.</summary>
public sealed class TimeStretcherTests
{
    private static float[] Tone(double hz, int frames, int channels = 1, int spare = 0)
    {
        var samples = new float[(frames + spare) * channels];
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = (float)(0.25 * Math.Sin(2 * Math.PI * hz * i / 48_000));
            }
        }

        return samples;
    }

    [Theory]
    [InlineData(400, 1)]
    [InlineData(220, 1)]
    [InlineData(137, 2)] // a period that is no whole number of samples, in stereo
    public void Shortening_removes_whole_periods_and_leaves_a_clean_tone(double hz, int channels)
    {
        float[] samples = Tone(hz, 960, channels);
        int removed = TimeStretcher.Shorten(samples, channels, force: false);

        Assert.InRange(removed, TimeStretcher.MinLag, 480);
        double periods = removed * hz / 48_000;
        Assert.InRange(periods - Math.Round(periods), -0.05, 0.05); // a whole number of periods
        float[] left = Mono(samples.AsSpan(0, (960 - removed) * channels), channels);
        Assert.True(ToneMeter.SegmentalSnr(left, hz, window: left.Length) > 30, "a seam is audible");
    }

    [Theory]
    [InlineData(400, 1)]
    [InlineData(137, 2)]
    public void Lengthening_inserts_whole_periods_and_leaves_a_clean_tone(double hz, int channels)
    {
        float[] samples = Tone(hz, 960, channels, spare: TimeStretcher.MaxLag);
        int inserted = TimeStretcher.Lengthen(samples, 960 * channels, channels, force: false);

        Assert.InRange(inserted, TimeStretcher.MinLag, 480);
        float[] longer = Mono(samples.AsSpan(0, (960 + inserted) * channels), channels);
        Assert.True(ToneMeter.SegmentalSnr(longer, hz, window: longer.Length) > 30, "a seam is audible");
    }

    [Fact]
    public void Noise_is_not_joined_unless_forced_and_silence_always_is()
    {
        var random = new Random(3);
        float[] noise = [.. Enumerable.Range(0, 960).Select(_ => (float)(random.NextDouble() - 0.5))];
        Assert.Equal(0, TimeStretcher.Shorten(noise.ToArray(), 1, force: false));
        Assert.InRange(TimeStretcher.Shorten(noise.ToArray(), 1, force: true), TimeStretcher.MinLag, 480);
        Assert.InRange(TimeStretcher.Shorten(new float[960], 1, force: false), TimeStretcher.MinLag, 480);
    }

    [Fact]
    public void Too_little_audio_or_room_changes_nothing()
    {
        float[] shortTone = Tone(400, (2 * TimeStretcher.MinLag) - 1);
        float[] copy = shortTone.ToArray();
        Assert.Equal(0, TimeStretcher.Shorten(shortTone, 1, force: true));
        Assert.Equal(copy, shortTone);

        float[] full = Tone(400, 960); // no spare room after the audio
        Assert.Equal(0, TimeStretcher.Lengthen(full, full.Length, 1, force: true));
    }

    private static float[] Mono(ReadOnlySpan<float> samples, int channels)
    {
        var mono = new float[samples.Length / channels];
        for (int i = 0; i < mono.Length; i++)
        {
            mono[i] = samples[i * channels];
        }

        return mono;
    }
}
