namespace InterCom.Core.Diagnostics;

/// <summary>
/// Measures how much of one frequency a signal holds (the Goertzel algorithm): the check behind
/// <c>intercom demo</c> and a quick way for an application to verify that a call carries audio.
/// </summary>
public static class ToneMeter
{
    /// <summary>
    /// The amplitude of the <paramref name="frequencyHz"/> component of mono <paramref name="samples"/>:
    /// about 0.5 for a 0.5-amplitude sine at that frequency, near 0 when it is absent.
    /// </summary>
    /// <param name="samples">Mono samples.</param>
    /// <param name="frequencyHz">The frequency to measure.</param>
    /// <param name="sampleRate">Samples per second; default 48 000.</param>
    public static double Amplitude(ReadOnlySpan<float> samples, double frequencyHz, int sampleRate = 48_000)
    {
        if (samples.IsEmpty)
        {
            return 0;
        }

        double coefficient = 2 * Math.Cos(2 * Math.PI * frequencyHz / sampleRate);
        double s1 = 0, s2 = 0;
        foreach (float x in samples)
        {
            double s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }

        double power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * Math.Sqrt(Math.Max(power, 0)) / samples.Length;
    }

    /// <summary>
    /// The median of <see cref="Amplitude"/> over consecutive windows (default 100 ms at 48 kHz): the level
    /// a listener hears, unaffected by a phase jump (a discarded or concealed frame) that would make one
    /// measurement over the whole signal cancel itself out.
    /// </summary>
    /// <param name="samples">Mono samples.</param>
    /// <param name="frequencyHz">The frequency to measure.</param>
    /// <param name="window">Samples per window; default 4800.</param>
    /// <param name="sampleRate">Samples per second; default 48 000.</param>
    public static double MedianAmplitude(ReadOnlySpan<float> samples, double frequencyHz, int window = 4800, int sampleRate = 48_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var values = new List<double>();
        for (int i = 0; i + window <= samples.Length; i += window)
        {
            values.Add(Amplitude(samples.Slice(i, window), frequencyHz, sampleRate));
        }

        values.Sort();
        return values.Count == 0 ? 0 : values[values.Count / 2];
    }

    /// <summary>An amplitude in dBFS (full scale = 1.0); -180 for silence.</summary>
    public static double ToDecibels(double amplitude) => 20 * Math.Log10(Math.Max(amplitude, 1e-9));
}
