using System.Numerics;
using InterCom.Core.Devices;

namespace InterCom.Core.Testing;

/// <summary>What a <see cref="LatencyProbe"/> found.</summary>
/// <param name="DelayFrames">The loop's delay in frames: the median over the bursts.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="BurstDelays">The delay of each burst that came back, frames (they differ when the loop drops or stretches audio).</param>
/// <param name="Correlation">The weakest of those bursts' normalized correlation with what was sent (1 = identical).</param>
/// <param name="PeriodFrames">The device period the probe's callbacks ran at.</param>
/// <param name="ReportedLatency">What the audio system itself states for the probe stream: input plus output latency.</param>
public sealed record LatencyMeasurement(int DelayFrames, int SampleRate, IReadOnlyList<int> BurstDelays, double Correlation, int PeriodFrames, TimeSpan ReportedLatency)
{
    /// <summary>The delay as a time.</summary>
    public TimeSpan Delay => TimeSpan.FromSeconds((double)DelayFrames / SampleRate);
}

/// <summary>
/// Measures the delay of an audio loop: plays chirp bursts out of a device and finds them again in
/// what the same device records, by cross-correlation, on the device callback's own sample clock
/// (<see cref="PortAudioStream.OpenProbe"/>). Whatever joins the output to the input is measured: a
/// wire in the audio server (JACK ports connected), or a whole call (the output wired into one end's
/// capture, the other end's playback wired back into the input). <c>intercom latency</c> does both.
/// </summary>
public static class LatencyProbe
{
    private const int BurstFrames = 2400;        // 50 ms at 48 kHz
    private const int LeadFrames = 14_400;       // 300 ms before the first burst: the loop settles
    private const int SpacingFrames = 24_000;    // a burst every 500 ms

    /// <summary>The weakest correlation a burst may have to count as found.</summary>
    public const double MinCorrelation = 0.5;

    /// <summary>
    /// Runs the probe on <paramref name="device"/> (input and output; mono, 48 kHz, the server's period).
    /// </summary>
    /// <param name="device">A full-duplex device, e.g. JACK's <c>system</c>.</param>
    /// <param name="wire">Called once the stream is open and before it starts: join its ports into the loop to measure.</param>
    /// <param name="bursts">How many bursts to send (1 to 100); default 5.</param>
    /// <param name="maxDelay">The longest delay looked for; default 500 ms.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">Fewer than half the bursts came back (nothing wired, or the loop too distorted). A burst that a loop
    /// concealed or time-stretched can come back unrecognizable; it is left out.</exception>
    /// <exception cref="Interop.PortAudioException">The device cannot be opened.</exception>
    public static async Task<LatencyMeasurement> MeasureAsync(AudioDevice device, Action<PortAudioStream> wire, int bursts = 5, TimeSpan? maxDelay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(wire);
        ArgumentOutOfRangeException.ThrowIfLessThan(bursts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bursts, 100);
        var format = Audio.AudioFormat.Mono48k;
        int maxLag = format.FramesIn(maxDelay ?? TimeSpan.FromMilliseconds(500));
        float[] burst = Chirp();
        float[] signal = new float[LeadFrames + ((bursts - 1) * SpacingFrames) + BurstFrames];
        for (int b = 0; b < bursts; b++)
        {
            burst.CopyTo(signal, LeadFrames + (b * SpacingFrames));
        }

        float[] recording = new float[signal.Length + maxLag + BurstFrames];
        using var stream = PortAudioStream.OpenProbe(new PortAudioStreamOptions { InputDevice = device, OutputDevice = device, Format = format }, signal, recording);
        wire(stream);
        stream.Start();
        // Twice the recording's length and 5 s: a server that drops the probe's client (a callback that
        // came too late for it) stops the callbacks, and the probe must say so rather than wait forever.
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan limit = format.DurationOf(recording.Length) * 2 + TimeSpan.FromSeconds(5);
        while (stream.ProbeFrames < recording.Length)
        {
            if (deadline.Elapsed > limit)
            {
                throw new InvalidOperationException(
                    $"The probe's callbacks stopped after {stream.ProbeFrames} of {recording.Length} frames ({stream.Callbacks} callbacks in {deadline.Elapsed.TotalSeconds:F1} s): the audio server dropped the client or stalled.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        var delays = new List<int>(bursts);
        double weakest = 1, best = 0;
        for (int b = 0; b < bursts; b++)
        {
            int start = LeadFrames + (b * SpacingFrames);
            (int delay, double correlation) = FindBurst(burst, recording.AsSpan(start, maxLag + BurstFrames), maxLag);
            best = Math.Max(best, correlation);
            if (correlation >= MinCorrelation)
            {
                delays.Add(delay);
                weakest = Math.Min(weakest, correlation);
            }
        }

        if (delays.Count * 2 < bursts || delays.Count == 0)
        {
            throw new InvalidOperationException($"{bursts - delays.Count} of {bursts} bursts did not come back within {maxLag * 1000 / format.SampleRate} ms (best correlation {best:F2}): is the loop wired, and does it carry audio?");
        }

        int[] sorted = [.. delays.Order()];
        return new LatencyMeasurement(sorted[sorted.Length / 2], format.SampleRate, delays, weakest, stream.LastCallbackFrames, stream.InputLatency + stream.OutputLatency);
    }

    /// <summary>A 50 ms chirp from 300 Hz to 3 kHz under a Hann window: one sharp correlation peak, and speech-band so codecs keep it.</summary>
    private static float[] Chirp()
    {
        var chirp = new float[BurstFrames];
        double seconds = BurstFrames / 48_000.0;
        for (int i = 0; i < chirp.Length; i++)
        {
            double t = i / 48_000.0;
            double phase = 2 * Math.PI * ((300 * t) + ((3000 - 300) * t * t / (2 * seconds)));
            double window = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (chirp.Length - 1)));
            chirp[i] = (float)(0.5 * window * Math.Sin(phase));
        }

        return chirp;
    }

    /// <summary>The lag in [0, maxLag] where <paramref name="recorded"/> best matches <paramref name="burst"/>, and the normalized correlation there.</summary>
    private static (int Lag, double Correlation) FindBurst(ReadOnlySpan<float> burst, ReadOnlySpan<float> recorded, int maxLag)
    {
        double burstEnergy = Dot(burst, burst);
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int lag = 0; lag <= maxLag; lag++)
        {
            ReadOnlySpan<float> window = recorded.Slice(lag, burst.Length);
            double score = Dot(burst, window) / Math.Sqrt((burstEnergy * Dot(window, window)) + 1e-20);
            if (score > bestScore)
            {
                bestScore = score;
                best = lag;
            }
        }

        return (best, bestScore);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int width = Vector<float>.Count;
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= a.Length - width; i += width)
        {
            sum += new Vector<float>(a.Slice(i, width)) * new Vector<float>(b.Slice(i, width));
        }

        double total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
