namespace InterCom.Core.Testing;

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

    /// <summary>
    /// Segmental signal-to-noise ratio of a received tone, in dB: over consecutive windows (default
    /// 20 ms), the power of the best-fitting sine at <paramref name="frequencyHz"/> (any phase and
    /// level) against what remains, each window clamped to −10..40 dB, then averaged. A clean tone
    /// scores 40; a window of silence, a click or a phase jump scores low; time-stretching a tone by
    /// whole periods costs nothing, so unlike a sample-by-sample comparison this needs no alignment.
    /// </summary>
    /// <param name="samples">Mono samples.</param>
    /// <param name="frequencyHz">The tone's frequency.</param>
    /// <param name="window">Samples per window; default 960.</param>
    /// <param name="sampleRate">Samples per second; default 48 000.</param>
    public static double SegmentalSnr(ReadOnlySpan<float> samples, double frequencyHz, int window = 960, int sampleRate = 48_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 8);
        double total = 0;
        int windows = 0;
        double w = 2 * Math.PI * frequencyHz / sampleRate;
        Span<double> m = stackalloc double[9];
        Span<double> v = stackalloc double[3];
        Span<double> fit = stackalloc double[3];
        for (int start = 0; start + window <= samples.Length; start += window, windows++)
        {
            // Least squares for a·sin + b·cos + c over the window (3×3 normal equations).
            m.Clear();
            v.Clear();
            for (int i = 0; i < window; i++)
            {
                double sn = Math.Sin(w * i), cs = Math.Cos(w * i), x = samples[start + i];
                m[0] += sn * sn; m[1] += sn * cs; m[2] += sn;
                m[4] += cs * cs; m[5] += cs;
                m[8] += 1;
                v[0] += sn * x; v[1] += cs * x; v[2] += x;
            }

            m[3] = m[1]; m[6] = m[2]; m[7] = m[5];
            Solve3(m, v, fit);
            double signal = 0, noise = 0;
            for (int i = 0; i < window; i++)
            {
                double tone = (fit[0] * Math.Sin(w * i)) + (fit[1] * Math.Cos(w * i));
                double rest = samples[start + i] - tone - fit[2];
                signal += tone * tone;
                noise += rest * rest;
            }

            total += Math.Clamp(10 * Math.Log10((signal + 1e-12) / (noise + 1e-12)), -10, 40);
        }

        return windows == 0 ? double.NaN : total / windows;
    }

    /// <summary>Solves the symmetric 3×3 system <paramref name="m"/>·x = <paramref name="v"/> by Cramer's rule.</summary>
    private static void Solve3(ReadOnlySpan<double> m, ReadOnlySpan<double> v, Span<double> x)
    {
        static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i)
            => (a * ((e * i) - (f * h))) - (b * ((d * i) - (f * g))) + (c * ((d * h) - (e * g)));

        double det = Det(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
        if (Math.Abs(det) < 1e-12)
        {
            x.Clear();
            return;
        }

        x[0] = Det(v[0], m[1], m[2], v[1], m[4], m[5], v[2], m[7], m[8]) / det;
        x[1] = Det(m[0], v[0], m[2], m[3], v[1], m[5], m[6], v[2], m[8]) / det;
        x[2] = Det(m[0], m[1], v[0], m[3], m[4], v[1], m[6], m[7], v[2]) / det;
    }

    /// <summary>An amplitude in dBFS (full scale = 1.0); -180 for silence.</summary>
    public static double ToDecibels(double amplitude) => 20 * Math.Log10(Math.Max(amplitude, 1e-9));
}
