namespace InterCom.Core.Audio;

/// <summary>
/// A sine tone, the same on every channel: the test signal of the <c>tone:HZ</c> input.
/// Not real-time: the capture side paces it by the wall clock.
/// </summary>
public sealed class ToneSource : IAudioSource
{
    /// <summary>
    /// The default amplitude: 0.25 (-12 dBFS), loud enough to measure, and low enough that three tones
    /// mixed (a four-host mesh) stay below the mixer's soft-clip knee.
    /// </summary>
    public const float DefaultAmplitude = 0.25f;

    private readonly double _phaseStep;
    private readonly float _amplitude;
    private double _phase;

    /// <summary>Creates a tone of <paramref name="frequencyHz"/> at <paramref name="format"/>.</summary>
    /// <param name="frequencyHz">Frequency, above 0 and below half the sample rate.</param>
    /// <param name="format">Output format (48 kHz, 1 or 2 channels).</param>
    /// <param name="amplitude">Peak amplitude in (0, 1]; default <see cref="DefaultAmplitude"/>.</param>
    public ToneSource(double frequencyHz, AudioFormat format, float amplitude = DefaultAmplitude)
    {
        format.Validate(nameof(format));
        if (!(frequencyHz > 0 && frequencyHz < format.SampleRate / 2.0))
        {
            throw new ArgumentOutOfRangeException(nameof(frequencyHz), frequencyHz, $"A tone must lie between 0 and {format.SampleRate / 2} Hz.");
        }

        if (!(amplitude > 0 && amplitude <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(amplitude), amplitude, "Amplitude must be in (0, 1].");
        }

        Format = format;
        FrequencyHz = frequencyHz;
        _amplitude = amplitude;
        _phaseStep = 2 * Math.PI * frequencyHz / format.SampleRate;
    }

    /// <summary>The tone's frequency in hertz.</summary>
    public double FrequencyHz { get; }

    /// <inheritdoc/>
    public AudioFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    /// <inheritdoc/>
    public int Read(Span<float> destination, CancellationToken cancellationToken)
    {
        // The sine by rotating a phasor: two trigonometric calls per read, not one per sample; the
        // phase is carried exactly between reads, so no rounding accumulates.
        int channels = Format.Channels;
        int frames = destination.Length / channels;
        double re = Math.Cos(_phase), im = Math.Sin(_phase);
        double stepRe = Math.Cos(_phaseStep), stepIm = Math.Sin(_phaseStep);
        for (int f = 0; f < frames; f++)
        {
            float value = (float)(_amplitude * im);
            for (int c = 0; c < channels; c++)
            {
                destination[(f * channels) + c] = value;
            }

            (re, im) = ((re * stepRe) - (im * stepIm), (re * stepIm) + (im * stepRe));
        }

        _phase = Math.IEEERemainder(_phase + (frames * _phaseStep), 2 * Math.PI);
        return frames * channels;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
