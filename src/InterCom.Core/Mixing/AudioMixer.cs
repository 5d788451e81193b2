using System.Numerics;
using System.Runtime.InteropServices;

namespace InterCom.Core.Mixing;

/// <summary>Sums several senders' frames into one, clamped to [-1, 1]. Allocation-free, vectorized.</summary>
internal static class AudioMixer
{
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

    /// <summary>Clamps every sample to [-1, 1] (hard clip: changes nothing unless the sum would clip).</summary>
    public static void Clamp(Span<float> mix)
    {
        var low = new Vector<float>(-1f);
        var high = new Vector<float>(1f);
        Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(mix);
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i] = Vector.Min(Vector.Max(vectors[i], low), high);
        }

        for (int i = vectors.Length * Vector<float>.Count; i < mix.Length; i++)
        {
            mix[i] = Math.Clamp(mix[i], -1f, 1f);
        }
    }
}
