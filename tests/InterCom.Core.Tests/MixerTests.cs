using InterCom.Core.Mixing;

namespace InterCom.Core.Tests;

public sealed class MixerTests
{
    [Fact]
    public void Sums_senders_with_their_gains()
    {
        var mix = new float[37]; // not a multiple of the vector width: the scalar tail is covered too
        float[] a = [.. Enumerable.Repeat(0.2f, 37)];
        float[] b = [.. Enumerable.Range(0, 37).Select(i => i % 2 == 0 ? 0.1f : -0.1f)];
        AudioMixer.Accumulate(mix, a, 1f);
        AudioMixer.Accumulate(mix, b, 2f);
        AudioMixer.Accumulate(mix, a, 0f); // muted: adds nothing
        for (int i = 0; i < mix.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? 0.4f : 0f, mix[i], 1e-6f);
        }
    }

    [Fact]
    public void Soft_clip_leaves_everything_within_the_knee_untouched()
    {
        float[] mix = [.. Enumerable.Range(0, 41).Select(i => (i - 20) / 25f)]; // -0.8 .. 0.8
        float[] before = [.. mix];
        AudioMixer.SoftClip(mix);
        Assert.Equal(before, mix);
    }

    [Fact]
    public void Soft_clip_bends_a_sum_that_would_clip_below_full_scale_monotonically_and_symmetrically()
    {
        float[] mix = [.. Enumerable.Range(0, 401).Select(i => (i - 200) / 50f)]; // -4 .. 4
        float[] input = [.. mix];
        AudioMixer.SoftClip(mix);
        for (int i = 0; i < mix.Length; i++)
        {
            Assert.InRange(mix[i], -1f, 1f);
            Assert.Equal(-mix[mix.Length - 1 - i], mix[i], 1e-6f);
            if (Math.Abs(input[i]) <= AudioMixer.Knee)
            {
                Assert.Equal(input[i], mix[i]);
            }

            if (i > 0)
            {
                Assert.True(mix[i] >= mix[i - 1], $"not monotonic at {input[i]}");
            }
        }

        Assert.True(mix[^1] > 0.99f); // far above full scale comes close to it
        Assert.Equal(AudioMixer.Knee + 0.01f, Clip(AudioMixer.Knee + 0.01f), 1e-3f); // slope 1 at the knee: no kink
    }

    private static float Clip(float x)
    {
        float[] one = [x];
        AudioMixer.SoftClip(one);
        return one[0];
    }
}
