using InterCom.Core.Mixing;

namespace InterCom.Core.Tests;

public sealed class MixerTests
{
    [Fact]
    public void Sums_senders_and_clamps_only_what_would_clip()
    {
        var mix = new float[37]; // not a multiple of the vector width: the scalar tail is covered too
        var a = Enumerable.Range(0, 37).Select(i => 0.5f).ToArray();
        var b = Enumerable.Range(0, 37).Select(i => i % 2 == 0 ? 0.25f : 0.75f).ToArray();
        AudioMixer.Accumulate(mix, a);
        AudioMixer.Accumulate(mix, b);
        AudioMixer.Clamp(mix);
        for (int i = 0; i < mix.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? 0.75f : 1f, mix[i]);
        }

        var negative = Enumerable.Repeat(-3f, 37).ToArray();
        AudioMixer.Clamp(negative);
        Assert.All(negative, s => Assert.Equal(-1f, s));
    }
}
