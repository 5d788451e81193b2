namespace InterCom.Core.Codecs;

/// <summary>
/// The RFC 3389 comfort noise payload: a noise level (0 to 127, in −dBov: 0 is full scale) and the
/// reflection coefficients of an all-pole model of the noise's spectrum, one byte each
/// (k = (N − 127) / 128). Any model order may come; the first <see cref="MaxOrder"/> are used
/// (a lattice cut short is the lower-order model).
/// </summary>
internal static class ComfortNoisePayload
{
    /// <summary>The model order this sender writes: a room's broad spectral tilt and a resonance or two.</summary>
    public const int Order = 6;

    /// <summary>The highest order a receiver uses.</summary>
    public const int MaxOrder = 12;

    /// <summary>The lowest level carried, −dBov.</summary>
    public const int SilentLevel = 127;

    /// <summary>The longest payload this sender writes.</summary>
    public const int Length = 1 + Order;

    /// <summary>Whether <paramref name="payload"/> is a comfort noise payload: at least the level byte, its reserved top bit clear.</summary>
    public static bool IsValid(ReadOnlySpan<byte> payload) => payload.Length >= 1 && (payload[0] & 0x80) == 0;

    /// <summary>Writes the level (−dBov) and the reflection coefficients; the bytes written.</summary>
    public static int Write(Span<byte> destination, int level, ReadOnlySpan<double> reflection)
    {
        destination[0] = (byte)Math.Clamp(level, 0, SilentLevel);
        for (int i = 0; i < reflection.Length; i++)
        {
            destination[1 + i] = QuantizeReflection(reflection[i]);
        }

        return 1 + reflection.Length;
    }

    /// <summary>One coefficient in [−1, 1] as its byte (0 to 254).</summary>
    public static byte QuantizeReflection(double k) => (byte)Math.Clamp((int)Math.Round(k * 128) + 127, 0, 254);

    /// <summary>One coefficient's byte as the coefficient.</summary>
    public static double ReflectionOf(byte quantized) => (quantized - 127) / 128.0;
}
