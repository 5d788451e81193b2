namespace InterCom.Core.Jitter;

/// <summary>
/// Shortens or lengthens decoded audio by one pitch period, in place, without changing its pitch:
/// the period is found by normalized cross-correlation, and the seam is a crossfade between two
/// similar stretches of signal (the "accelerate" and "preemptive expand" of WebRTC's NetEQ, in
/// their simplest form). This is how the jitter buffer moves its delay a little at a time instead
/// of jumping. Allocation-free.
/// </summary>
internal static class TimeStretcher
{
    /// <summary>The shortest period tried: 1.25 ms at 48 kHz (800 Hz, above any voice's pitch: the finest step the delay can take).</summary>
    public const int MinLag = 60;

    /// <summary>The longest period tried: 10 ms at 48 kHz (a 100 Hz voice).</summary>
    public const int MaxLag = 480;

    /// <summary>Correlation from which two stretches count as similar enough to crossfade.</summary>
    private const float Similar = 0.7f;

    /// <summary>Below this mean power (about −60 dBFS) a signal is near silence: any period will do.</summary>
    private const float Quiet = 1e-6f;

    /// <summary>
    /// Removes one period from the start of <paramref name="samples"/> (interleaved): the first
    /// period crossfades into the second. Returns samples per channel removed (0 when the signal is
    /// too short, or not periodic enough and <paramref name="force"/> is off), at most <paramref name="maxLag"/>.
    /// </summary>
    public static int Shorten(Span<float> samples, int channels, bool force, int maxLag = MaxLag)
    {
        int frames = samples.Length / channels;
        int lag = FindPeriod(samples, channels, frames, force, maxLag);
        if (lag == 0)
        {
            return 0;
        }

        // out[0, lag) = x[0, lag) fading out + x[lag, 2·lag) fading in; then x[2·lag, end).
        Crossfade(samples, channels, lag, from: 0, to: lag * channels, into: 0);
        samples[(2 * lag * channels)..].CopyTo(samples[(lag * channels)..]);
        return lag;
    }

    /// <summary>
    /// Inserts one period after the first: x[0, lag), a crossfade from x[lag, 2·lag) back into
    /// x[0, lag), then x[lag, end). <paramref name="samples"/> holds <paramref name="length"/>
    /// interleaved samples and has room for <see cref="MaxLag"/> frames more. Returns samples per
    /// channel inserted (0 as for <see cref="Shorten"/>), at most <paramref name="maxLag"/>.
    /// </summary>
    public static int Lengthen(Span<float> samples, int length, int channels, bool force, int maxLag = MaxLag)
    {
        int frames = length / channels;
        int lag = FindPeriod(samples[..length], channels, frames, force, maxLag);
        if (lag == 0 || samples.Length < length + (lag * channels))
        {
            return 0;
        }

        int period = lag * channels;
        samples[period..length].CopyTo(samples[(2 * period)..]);   // x[lag, end) moves one period on
        samples[(2 * period)..(3 * period)].CopyTo(samples[period..]); // x[lag, 2·lag) is where the fade starts
        Crossfade(samples, channels, lag, from: period, to: 0, into: period);
        return lag;
    }

    /// <summary>
    /// Whether <paramref name="samples"/> has a period in [<see cref="MinLag"/>, <see cref="MaxLag"/>]
    /// (a voice, a tone) or is near silence: then only a whole period may be cut or repeated, and a
    /// forced stretch within a shorter range would cut it mid-period.
    /// </summary>
    public static bool HasPeriod(ReadOnlySpan<float> samples, int channels)
        => FindPeriod(samples, channels, samples.Length / channels, force: false, MaxLag) != 0;

    /// <summary>
    /// The lag in [<see cref="MinLag"/>, min(<paramref name="longest"/>, <see cref="MaxLag"/>, frames / 2)]
    /// whose two adjacent stretches are most alike, or 0 when none is alike enough (unless forced or near silence).
    /// </summary>
    private static int FindPeriod(ReadOnlySpan<float> samples, int channels, int frames, bool force, int longest)
    {
        int maxLag = Math.Min(Math.Min(MaxLag, longest), frames / 2);
        if (maxLag < MinLag)
        {
            return 0;
        }

        int best = MinLag;
        float bestScore = float.NegativeInfinity;
        double energy = 0;
        for (int lag = MinLag; lag <= maxLag; lag++)
        {
            double xy = 0, xx = 0, yy = 0;
            for (int i = 0; i < lag; i++)
            {
                float x = Mono(samples, channels, i);
                float y = Mono(samples, channels, i + lag);
                xy += x * y;
                xx += x * x;
                yy += y * y;
            }

            float score = (float)(xy / Math.Sqrt((xx * yy) + 1e-20));
            if (score > bestScore)
            {
                bestScore = score;
                best = lag;
                energy = (xx + yy) / (2 * lag);
            }
        }

        return bestScore >= Similar || force || energy < Quiet ? best : 0;
    }

    private static float Mono(ReadOnlySpan<float> samples, int channels, int frame)
    {
        if (channels == 1)
        {
            return samples[frame];
        }

        float sum = 0;
        for (int c = 0; c < channels; c++)
        {
            sum += samples[(frame * channels) + c];
        }

        return sum;
    }

    /// <summary>Writes <paramref name="lag"/> frames at <paramref name="into"/>: the stretch at <paramref name="from"/> fading out, the one at <paramref name="to"/> fading in.</summary>
    private static void Crossfade(Span<float> samples, int channels, int lag, int from, int to, int into)
    {
        for (int i = 0; i < lag; i++)
        {
            float fadeIn = (i + 0.5f) / lag;
            for (int c = 0; c < channels; c++)
            {
                int k = (i * channels) + c;
                samples[into + k] = (samples[from + k] * (1 - fadeIn)) + (samples[to + k] * fadeIn);
            }
        }
    }
}
