using System.Numerics;

namespace InterCom.Core.Testing;

/// <summary>
/// How close received speech is to what was sent: the log-spectral distance after alignment. The
/// received signal is followed frame by frame (20 ms, every 10 ms) to where it best matches the
/// reference, within 10 ms of where the last frame matched, to the sample (a jitter buffer moves the stream by
/// stretching, so one lag for the whole call would not do); each matched pair's spectra (Hann
/// window, 50 Hz to 8 kHz) are compared in decibels, and the root-mean-square difference is averaged
/// over the frames where the reference speaks. 0 dB is identical; Opus at 32 kb/s on a clean link
/// gives a few dB, every concealed or silent frame raises it.
/// </summary>
public static class SpeechQuality
{
    private const int Rate = 48_000;
    private const int FrameSamples = 960;        // 20 ms
    private const int HopSamples = 480;          // 10 ms
    private const int FftSize = 1024;
    private const int Decimation = 6;            // the lag search runs at 8 kHz
    private const int TrackSamples = 480;        // a frame's lag stays within 10 ms of the last one's
    private const double ActiveLevel = 1e-5;     // mean square of a reference frame that counts as speech (-50 dBFS)
    private const double MatchScore = 0.7;       // a lag is taken from a frame that matches at least this well (normalised correlation)
    private const double Hysteresis = 0.05;      // another lag must match this much better: a vowel matches itself a pitch period away too

    /// <summary>
    /// The mean log-spectral distance in dB of <paramref name="received"/> from <paramref name="reference"/>
    /// (mono, 48 kHz), over the reference's speech frames. <paramref name="received"/> may lag the
    /// reference by up to <paramref name="maxDelay"/> (default 1 s) and drift by stretching.
    /// </summary>
    /// <param name="reference">What was sent.</param>
    /// <param name="received">What was heard, from the same start or later.</param>
    /// <param name="maxDelay">The largest delay of the received signal to search for at the start.</param>
    /// <exception cref="ArgumentException">Either signal is shorter than a second.</exception>
    public static double LogSpectralDistance(ReadOnlySpan<float> reference, ReadOnlySpan<float> received, TimeSpan? maxDelay = null)
    {
        if (reference.Length < Rate || received.Length < Rate)
        {
            throw new ArgumentException("Both signals must hold at least a second of audio.", nameof(received));
        }

        int maxLag = (int)((maxDelay ?? TimeSpan.FromSeconds(1)).TotalSeconds * Rate);
        float[] referenceLow = Decimate(reference), receivedLow = Decimate(received);
        int lag = InitialLag(referenceLow, receivedLow, maxLag / Decimation) * Decimation;
        var window = new double[FrameSamples];
        for (int i = 0; i < FrameSamples; i++)
        {
            window[i] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (FrameSamples - 1)));
        }

        var a = new Complex[FftSize];
        var b = new Complex[FftSize];
        int lowBin = 50 * FftSize / Rate + 1, highBin = 8000 * FftSize / Rate;
        double total = 0;
        int frames = 0;
        for (int start = 0; start + FrameSamples <= received.Length; start += HopSamples)
        {
            (int here, double hereScore) = Refine(reference, received, start, lag);
            (int there, double thereScore) = Refine(reference, received, start, Candidate(referenceLow, receivedLow, start, lag));
            lag = thereScore > MatchScore && thereScore > hereScore + Hysteresis ? there : here; // where nothing matches well (silence, noise, concealment) the lag stays
            int referenceStart = start - lag;
            if (referenceStart < 0 || referenceStart + FrameSamples > reference.Length)
            {
                continue;
            }

            ReadOnlySpan<float> r = reference.Slice(referenceStart, FrameSamples);
            double energy = 0;
            foreach (float x in r)
            {
                energy += x * (double)x;
            }

            if (energy / FrameSamples < ActiveLevel)
            {
                continue;
            }

            Spectrum(r, window, a);
            Spectrum(received.Slice(start, FrameSamples), window, b);
            double floor = energy * 1e-6; // 60 dB below the frame: where nothing is heard, no difference counts
            double sum = 0;
            for (int k = lowBin; k <= highBin; k++)
            {
                double d = 10 * Math.Log10((a[k].Magnitude * a[k].Magnitude + floor) / (b[k].Magnitude * b[k].Magnitude + floor));
                sum += d * d;
            }

            total += Math.Sqrt(sum / (highBin - lowBin + 1));
            frames++;
        }

        return frames == 0 ? double.NaN : total / frames;
    }

    /// <summary>Every sixth sample after a moving average over six: enough for finding lags of speech.</summary>
    private static float[] Decimate(ReadOnlySpan<float> x)
    {
        var y = new float[x.Length / Decimation];
        for (int i = 0; i < y.Length; i++)
        {
            float sum = 0;
            for (int k = 0; k < Decimation; k++)
            {
                sum += x[(i * Decimation) + k];
            }

            y[i] = sum / Decimation;
        }

        return y;
    }

    /// <summary>The lag (decimated samples, received behind reference) that best matches the first two seconds of the received signal.</summary>
    private static int InitialLag(float[] reference, float[] received, int maxLag)
    {
        int length = Math.Min(2 * Rate / Decimation, Math.Min(reference.Length, received.Length - maxLag));
        length = Math.Max(length, Rate / Decimation / 2);
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int lag = 0; lag <= maxLag && lag + length <= received.Length; lag++)
        {
            double score = Correlation(reference, 0, received, lag, Math.Min(length, reference.Length));
            if (score > bestScore)
            {
                (bestScore, best) = (score, lag);
            }
        }

        return best;
    }

    /// <summary>The lag within 10 ms of <paramref name="lag"/> at which the frame at <paramref name="start"/> best matches the reference, at 8 kHz.</summary>
    private static int Candidate(float[] reference, float[] received, int start, int lag)
    {
        int frame = FrameSamples / Decimation, at = start / Decimation, from = (lag - TrackSamples) / Decimation, to = (lag + TrackSamples) / Decimation;
        int best = lag / Decimation;
        double bestScore = double.NegativeInfinity;
        for (int l = from; l <= to; l++)
        {
            if (at - l < 0 || at - l + frame > reference.Length || at + frame > received.Length)
            {
                continue;
            }

            double score = Correlation(reference, at - l, received, at, frame);
            if (score > bestScore)
            {
                (bestScore, best) = (score, l);
            }
        }

        return best * Decimation;
    }

    /// <summary>The lag to the sample, within two decimation steps of <paramref name="lag"/>, at which the frame at <paramref name="start"/> best matches, and how well.</summary>
    private static (int Lag, double Score) Refine(ReadOnlySpan<float> reference, ReadOnlySpan<float> received, int start, int lag)
    {
        int best = lag;
        double bestScore = double.NegativeInfinity;
        for (int k = 0; k <= 4 * Decimation; k++)
        {
            int l = lag + ((k + 1) / 2 * (k % 2 == 0 ? -1 : 1)); // from the middle outwards: a tie (silence) keeps the lag
            int from = start - l;
            if (from < 0 || from + FrameSamples > reference.Length || start + FrameSamples > received.Length)
            {
                continue;
            }

            double score = Correlation(reference, from, received, start, FrameSamples);
            if (score > bestScore)
            {
                (bestScore, best) = (score, l);
            }
        }

        return (best, bestScore);
    }

    private static double Correlation(ReadOnlySpan<float> x, int xStart, ReadOnlySpan<float> y, int yStart, int length)
    {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < length; i++)
        {
            double a = x[xStart + i], b = y[yStart + i];
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }

        return xx <= 0 || yy <= 0 ? 0 : xy / Math.Sqrt(xx * yy);
    }

    private static void Spectrum(ReadOnlySpan<float> frame, double[] window, Complex[] bins)
    {
        for (int i = 0; i < FftSize; i++)
        {
            bins[i] = i < frame.Length ? new Complex(frame[i] * window[i], 0) : Complex.Zero;
        }

        Fft(bins);
    }

    /// <summary>In-place radix-2 FFT.</summary>
    private static void Fft(Complex[] x)
    {
        int n = x.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (x[i], x[j]) = (x[j], x[i]);
            }
        }

        for (int length = 2; length <= n; length <<= 1)
        {
            Complex step = Complex.FromPolarCoordinates(1, -2 * Math.PI / length);
            for (int i = 0; i < n; i += length)
            {
                Complex w = Complex.One;
                for (int k = 0; k < length / 2; k++)
                {
                    Complex even = x[i + k], odd = x[i + k + (length / 2)] * w;
                    x[i + k] = even + odd;
                    x[i + k + (length / 2)] = even - odd;
                    w *= step;
                }
            }
        }
    }
}
