using System.Numerics;
using System.Runtime.InteropServices;

namespace InterCom.Core.Mixing;

/// <summary>
/// Sums several senders' frames into one in float (headroom: no integer wrap), with per-sender gain, and
/// limits the sum with a soft clip that leaves every sample within ±<see cref="Knee"/> untouched.
/// Allocation-free, vectorized.
/// </summary>
internal static class AudioMixer
{
    /// <summary>Samples up to this magnitude pass unchanged; above, the soft clip bends them towards ±1.</summary>
    public const float Knee = 0.8f;

    /// <summary>Adds <paramref name="source"/> × <paramref name="gain"/> into <paramref name="mix"/>.</summary>
    public static void Accumulate(Span<float> mix, ReadOnlySpan<float> source, float gain)
    {
        if (gain == 1f)
        {
            Accumulate(mix, source);
            return;
        }

        if (gain == 0f)
        {
            return;
        }

        source = source[..mix.Length];
        Span<Vector<float>> mixVectors = MemoryMarshal.Cast<float, Vector<float>>(mix);
        ReadOnlySpan<Vector<float>> sourceVectors = MemoryMarshal.Cast<float, Vector<float>>(source);
        for (int i = 0; i < mixVectors.Length; i++)
        {
            mixVectors[i] += sourceVectors[i] * gain;
        }

        for (int i = mixVectors.Length * Vector<float>.Count; i < mix.Length; i++)
        {
            mix[i] += source[i] * gain;
        }
    }

    /// <summary>
    /// Soft clip: |x| ≤ <see cref="Knee"/> unchanged; above, knee + (1 − knee)·tanh((|x| − knee)/(1 − knee)),
    /// continuous with slope 1 at the knee and never reaching ±1. Frames that stay within the knee (the
    /// usual case) cost one vector comparison per 8 samples.
    /// </summary>
    public static void SoftClip(Span<float> mix)
    {
        var knee = new Vector<float>(Knee);
        Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(mix);
        bool over = false;
        for (int i = 0; i < vectors.Length && !over; i++)
        {
            over = Vector.GreaterThanAny(Vector.Abs(vectors[i]), knee);
        }

        for (int i = vectors.Length * Vector<float>.Count; i < mix.Length && !over; i++)
        {
            over = Math.Abs(mix[i]) > Knee;
        }

        if (!over)
        {
            return;
        }

        const float range = 1f - Knee;
        for (int i = 0; i < mix.Length; i++)
        {
            float x = mix[i];
            float magnitude = Math.Abs(x);
            if (magnitude > Knee)
            {
                mix[i] = MathF.CopySign(Knee + (range * MathF.Tanh((magnitude - Knee) / range)), x);
            }
        }
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="mix"/> (the first <c>mix.Length</c> samples).</summary>
    public static void Accumulate(Span<float> mix, ReadOnlySpan<float> source)
    {
        source = source[..mix.Length];
        Span<Vector<float>> mixVectors = MemoryMarshal.Cast<float, Vector<float>>(mix);
        ReadOnlySpan<Vector<float>> sourceVectors = MemoryMarshal.Cast<float, Vector<float>>(source);
        for (int i = 0; i < mixVectors.Length; i++)
        {
            mixVectors[i] += sourceVectors[i];
        }

        for (int i = mixVectors.Length * Vector<float>.Count; i < mix.Length; i++)
        {
            mix[i] += source[i];
        }
    }
}
