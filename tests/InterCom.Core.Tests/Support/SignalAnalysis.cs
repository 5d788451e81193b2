namespace InterCom.Core.Tests;

/// <summary>Measurements the tests assert on: tone power (Goertzel), RMS level, correlation, silent gaps.</summary>
internal static class SignalAnalysis
{
    /// <summary>Amplitude of <paramref name="frequency"/> in mono <paramref name="samples"/>.</summary>
    public static double ToneAmplitude(ReadOnlySpan<float> samples, double frequency) => Testing.ToneMeter.Amplitude(samples, frequency);

    public static double MedianToneAmplitude(ReadOnlySpan<float> samples, double frequency) => Testing.ToneMeter.MedianAmplitude(samples, frequency);

    public static double Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (float s in samples)
        {
            sum += s * s;
        }

        return samples.Length == 0 ? 0 : Math.Sqrt(sum / samples.Length);
    }

    public static double Decibels(double ratio) => 20 * Math.Log10(ratio);

    /// <summary>The strongest frequency between <paramref name="low"/> and <paramref name="high"/> in 1 Hz steps.</summary>
    public static double DominantFrequency(ReadOnlySpan<float> samples, double low, double high, int sampleRate = 48_000)
    {
        double best = low, bestAmplitude = -1;
        for (double f = low; f <= high; f += 1)
        {
            double a = Testing.ToneMeter.Amplitude(samples, f, sampleRate);
            if (a > bestAmplitude)
            {
                bestAmplitude = a;
                best = f;
            }
        }

        return best;
    }

    /// <summary>Index of the first sample whose magnitude exceeds <paramref name="threshold"/>, or -1.</summary>
    public static int FirstSound(ReadOnlySpan<float> samples, float threshold = 0.2f * Audio.ToneSource.DefaultAmplitude)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            if (Math.Abs(samples[i]) > threshold)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Index of the last sample whose magnitude exceeds <paramref name="threshold"/>, or -1.</summary>
    public static int LastSound(ReadOnlySpan<float> samples, float threshold = 0.2f * Audio.ToneSource.DefaultAmplitude)
    {
        for (int i = samples.Length - 1; i >= 0; i--)
        {
            if (Math.Abs(samples[i]) > threshold)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The longest run of windows (of <paramref name="window"/> samples) whose RMS is under <paramref name="threshold"/>, in samples.</summary>
    public static int LongestSilence(ReadOnlySpan<float> samples, int window, double threshold)
        => LongestSilence(samples, window, threshold, out _);

    public static int LongestSilence(ReadOnlySpan<float> samples, int window, double threshold, out int at)
    {
        int longest = 0, current = 0;
        at = -1;
        for (int i = 0; i + window <= samples.Length; i += window)
        {
            if (Rms(samples.Slice(i, window)) < threshold)
            {
                current += window;
                if (current > longest)
                {
                    longest = current;
                    at = i - current + window;
                }
            }
            else
            {
                current = 0;
            }
        }

        return longest;
    }

    /// <summary>Normalized cross-correlation of <paramref name="a"/> and <paramref name="b"/> shifted by <paramref name="lag"/> (b later).</summary>
    public static double Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int lag)
    {
        int n = Math.Min(a.Length, b.Length - lag);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < n; i++)
        {
            ab += a[i] * b[i + lag];
            aa += a[i] * a[i];
            bb += b[i + lag] * b[i + lag];
        }

        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }

    /// <summary>The lag in [0, <paramref name="maxLag"/>] maximizing the correlation, and that correlation.</summary>
    public static (int Lag, double Correlation) BestLag(ReadOnlySpan<float> reference, ReadOnlySpan<float> delayed, int maxLag)
    {
        int bestLag = 0;
        double best = double.MinValue;
        for (int lag = 0; lag <= maxLag; lag++)
        {
            double c = Correlation(reference, delayed, lag);
            if (c > best)
            {
                best = c;
                bestLag = lag;
            }
        }

        return (bestLag, best);
    }

    /// <summary>Reads a mono or stereo WAV through the library's reader, as mono.</summary>
    public static float[] ReadWavMono(string path) => Audio.WavFileSource.ReadAll(path, channels: 1);
}
