namespace InterCom.Core.Speech;

/// <summary>
/// The capture side's speech processing (libspeexdsp; see docs/speech-processing.md): acoustic echo
/// cancellation against what the device plays, noise suppression, automatic gain. It runs on mono
/// blocks of <see cref="BlockDuration"/> on the capture thread. Immutable; every default is stated.
/// </summary>
public sealed record SpeechOptions
{
    /// <summary>Default echo tail: 200 ms, the reverberation of a room plus the device path it must cover.</summary>
    public static readonly TimeSpan DefaultEchoTail = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Default block: 20 ms. speexdsp's residual echo suppression resolves the echo left in finer bands
    /// on 20 ms than on 10 ms blocks (28.8 against 22.9 dB of ERLE on the test room, docs/speech-processing.md),
    /// for 10 ms more delay.
    /// </summary>
    public static readonly TimeSpan DefaultBlockDuration = TimeSpan.FromMilliseconds(20);

    /// <summary>Default noise attenuation: 15 dB (speexdsp's own default).</summary>
    public const int DefaultNoiseSuppressionDb = 15;

    /// <summary>Echo cancellation; default <see cref="SpeechStage.Auto"/>: on when the input and the output are one device.</summary>
    public SpeechStage EchoCancellation { get; init; } = SpeechStage.Auto;

    /// <summary>How long an echo the canceller's filter covers (20 ms to 1 s); default <see cref="DefaultEchoTail"/>.</summary>
    public TimeSpan EchoTail { get; init; } = DefaultEchoTail;

    /// <summary>Whether the echo the canceller's linear filter leaves is suppressed as well (by the preprocessor, linked to the canceller); default on.</summary>
    public bool ResidualEchoSuppression { get; init; } = true;

    /// <summary>
    /// Noise suppression; default <see cref="SpeechStage.Auto"/>: on while echo cancellation runs. It takes any steady
    /// sound for noise (a hum, a held note, a test tone): keep it off for music.
    /// </summary>
    public SpeechStage NoiseSuppression { get; init; } = SpeechStage.Auto;

    /// <summary>How far noise is attenuated, dB (1 to 60); default <see cref="DefaultNoiseSuppressionDb"/>.</summary>
    public int NoiseSuppressionDb { get; init; } = DefaultNoiseSuppressionDb;

    /// <summary>The chain's block, 10 or 20 ms whatever the codec's frame; default <see cref="DefaultBlockDuration"/> (10 ms: 10 ms less delay, more echo left).</summary>
    public TimeSpan BlockDuration { get; init; } = DefaultBlockDuration;

    /// <summary>Automatic gain control; default off: it would raise the residual echo and the noise with the voice.</summary>
    public bool AutomaticGainControl { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (EchoTail < TimeSpan.FromMilliseconds(20) || EchoTail > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"The echo tail must be 20 ms to 1 s, not {EchoTail.TotalMilliseconds} ms.", nameof(EchoTail));
        }

        if (BlockDuration != TimeSpan.FromMilliseconds(10) && BlockDuration != TimeSpan.FromMilliseconds(20))
        {
            throw new ArgumentException($"The speech block must be 10 or 20 ms, not {BlockDuration.TotalMilliseconds} ms.", nameof(BlockDuration));
        }

        if (NoiseSuppressionDb is < 1 or > 60)
        {
            throw new ArgumentException($"The noise suppression must be 1 to 60 dB, not {NoiseSuppressionDb}.", nameof(NoiseSuppressionDb));
        }
    }
}
