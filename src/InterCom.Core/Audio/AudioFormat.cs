namespace InterCom.Core.Audio;

/// <summary>
/// The PCM format that flows through a call: interleaved 32-bit float samples in [-1, 1] at
/// <see cref="SampleRate"/> with <see cref="Channels"/> channels.
/// </summary>
/// <param name="SampleRate">Samples per second per channel. Calls run at 48 000 Hz (the Opus and RTP clock).</param>
/// <param name="Channels">1 (mono, the default) or 2 (stereo).</param>
public readonly record struct AudioFormat(int SampleRate, int Channels)
{
    /// <summary>The sample rate every call runs at: 48 000 Hz (RFC 7587).</summary>
    public const int CallSampleRate = 48_000;

    /// <summary>Mono at 48 kHz, the default format of a call.</summary>
    public static AudioFormat Mono48k => new(CallSampleRate, 1);

    /// <summary>Stereo at 48 kHz.</summary>
    public static AudioFormat Stereo48k => new(CallSampleRate, 2);

    /// <summary>Number of samples per channel in <paramref name="duration"/>.</summary>
    public int FramesIn(TimeSpan duration) => (int)Math.Round(duration.TotalSeconds * SampleRate);

    /// <summary>Duration of <paramref name="frames"/> samples per channel.</summary>
    public TimeSpan DurationOf(long frames) => TimeSpan.FromSeconds((double)frames / SampleRate);

    /// <summary>Throws <see cref="ArgumentException"/> unless this is a format a call can carry.</summary>
    /// <param name="paramName">The caller's parameter name, used in the exception.</param>
    public void Validate(string paramName)
    {
        if (SampleRate != CallSampleRate)
        {
            throw new ArgumentException($"Sample rate {SampleRate} Hz is not supported: calls run at {CallSampleRate} Hz.", paramName);
        }

        if (Channels is not (1 or 2))
        {
            throw new ArgumentException($"Channel count {Channels} is not supported: use 1 or 2.", paramName);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{SampleRate} Hz, {(Channels == 1 ? "mono" : "stereo")}, float32";
}
