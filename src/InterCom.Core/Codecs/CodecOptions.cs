using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>How audio is encoded on the wire. Immutable; every default is stated.</summary>
public sealed record CodecOptions
{
    /// <summary>Default frame duration: 10 ms.</summary>
    public static readonly TimeSpan DefaultFrameDuration = TimeSpan.FromMilliseconds(10);

    /// <summary>Default Opus bitrate: 32 000 b/s per channel.</summary>
    public const int DefaultBitratePerChannel = 32_000;

    /// <summary>Default Opus complexity: 5 (of 0..10), half the CPU of 10 for a small quality cost.</summary>
    public const int DefaultComplexity = 5;

    /// <summary>Default RTP payload type for Opus: 111.</summary>
    public const int DefaultOpusPayloadType = 111;

    /// <summary>Default RTP payload type for L16 PCM: 96.</summary>
    public const int DefaultPcmPayloadType = 96;

    /// <summary>Default RTP payload type for comfort noise (RFC 3389 at 48 kHz, so dynamic: 13 is CN at 8 kHz): 98.</summary>
    public const int DefaultComfortNoisePayloadType = 98;

    /// <summary>The payload format; default <see cref="AudioCodec.Opus"/>.</summary>
    public AudioCodec Codec { get; init; } = AudioCodec.Opus;

    /// <summary>The fewest samples per L16 frame: 32 (0.67 ms).</summary>
    public const int MinPcmFrameSamples = 32;

    /// <summary>The most samples per L16 frame: 960 (20 ms).</summary>
    public const int MaxPcmFrameSamples = 960;

    /// <summary>
    /// Audio per packet: 2.5, 5, 10 or 20 ms for Opus; for L16 also any whole number of samples from
    /// <see cref="MinPcmFrameSamples"/> to <see cref="MaxPcmFrameSamples"/>, such as one device period (<see cref="ForSamples"/>); default <see cref="DefaultFrameDuration"/>.
    /// </summary>
    public TimeSpan FrameDuration { get; init; } = DefaultFrameDuration;

    /// <summary>Opus target bitrate in bits per second (6 000..510 000); default <see langword="null"/> = <see cref="DefaultBitratePerChannel"/> per channel.</summary>
    public int? Bitrate { get; init; }

    /// <summary>Opus complexity 0..10; default <see cref="DefaultComplexity"/>.</summary>
    public int Complexity { get; init; } = DefaultComplexity;

    /// <summary>Opus application; default <see cref="OpusApplicationMode.Voip"/>.</summary>
    public OpusApplicationMode Application { get; init; } = OpusApplicationMode.Voip;

    /// <summary>RTP payload type for Opus; default <see cref="DefaultOpusPayloadType"/>.</summary>
    public int OpusPayloadType { get; init; } = DefaultOpusPayloadType;

    /// <summary>Which Opus implementation to use; default <see cref="OpusLibrary.Auto"/> (native libopus when it loads).</summary>
    public OpusLibrary OpusLibrary { get; init; } = OpusLibrary.Auto;

    /// <summary>RTP payload type for L16; default <see cref="DefaultPcmPayloadType"/>.</summary>
    public int PcmPayloadType { get; init; } = DefaultPcmPayloadType;

    /// <summary>RTP payload type for comfort noise (RFC 3389), sent in silence under <see cref="DiscontinuousTransmission"/> and always understood; default <see cref="DefaultComfortNoisePayloadType"/>.</summary>
    public int ComfortNoisePayloadType { get; init; } = DefaultComfortNoisePayloadType;

    /// <summary>
    /// Discontinuous transmission: while a voice activity detector finds the input silent (200 ms after
    /// the last sound), no audio is sent, only a comfort noise payload every 400 ms, from which the
    /// receiver plays the sender's background; default <see langword="false"/> (every frame is sent).
    /// </summary>
    public bool DiscontinuousTransmission { get; init; }

    /// <summary>The payload type the encoder writes.</summary>
    public int PayloadType => Codec == AudioCodec.Opus ? OpusPayloadType : PcmPayloadType;

    /// <summary>A frame duration of exactly <paramref name="samples"/> samples at 48 kHz (for L16 frames of one device period).</summary>
    public static TimeSpan ForSamples(int samples) => TimeSpan.FromTicks((long)Math.Round(samples * (double)TimeSpan.TicksPerSecond / AudioFormat.CallSampleRate));

    /// <summary>
    /// L16 frames of one device period of <paramref name="periodFrames"/> samples (as JackTrip sends),
    /// when that is a valid L16 frame; otherwise (Opus, no period known, a period out of range) these options as they are.
    /// </summary>
    /// <param name="periodFrames">The capture device's period, e.g. from <see cref="Devices.AudioEndpoints.WaitForCapturePeriodAsync"/>.</param>
    public CodecOptions WithFramesOfPeriod(int? periodFrames)
        => Codec == AudioCodec.Pcm && periodFrames is >= MinPcmFrameSamples and <= MaxPcmFrameSamples
            ? this with { FrameDuration = ForSamples(periodFrames.Value) }
            : this;

    /// <summary>Samples per channel in one frame at 48 kHz (120, 240, 480 or 960 for Opus).</summary>
    public int FrameSamples => (int)Math.Round(FrameDuration.TotalSeconds * AudioFormat.CallSampleRate);

    /// <summary>The Opus bitrate for <paramref name="channels"/> channels.</summary>
    public int EffectiveBitrate(int channels) => Bitrate ?? DefaultBitratePerChannel * channels;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        bool whole = Math.Abs((FrameSamples / 48.0) - FrameDuration.TotalMilliseconds) <= 0.001;
        if (Codec == AudioCodec.Pcm ? !whole || FrameSamples is < MinPcmFrameSamples or > MaxPcmFrameSamples : !whole || FrameSamples is not (120 or 240 or 480 or 960))
        {
            throw new ArgumentException(
                Codec == AudioCodec.Pcm
                    ? $"Frame duration {FrameDuration.TotalMilliseconds} ms is not supported for L16: a whole number of samples from {MinPcmFrameSamples} to {MaxPcmFrameSamples} (one device period, say)."
                    : $"Frame duration {FrameDuration.TotalMilliseconds} ms is not supported: use 2.5, 5, 10 or 20 ms.",
                nameof(FrameDuration));
        }

        if (Bitrate is { } bitrate && (bitrate < 6_000 || bitrate > 510_000))
        {
            throw new ArgumentException($"Bitrate {bitrate} b/s is out of range: Opus takes 6000 to 510000.", nameof(Bitrate));
        }

        if (Complexity is < 0 or > 10)
        {
            throw new ArgumentException($"Complexity {Complexity} is out of range: 0 to 10.", nameof(Complexity));
        }

        foreach ((int pt, string name) in new[] { (OpusPayloadType, nameof(OpusPayloadType)), (PcmPayloadType, nameof(PcmPayloadType)), (ComfortNoisePayloadType, nameof(ComfortNoisePayloadType)) })
        {
            if (pt is < 96 or > 127)
            {
                throw new ArgumentException($"Payload type {pt} is not a dynamic payload type (96..127).", name);
            }
        }

        if (OpusPayloadType == PcmPayloadType)
        {
            throw new ArgumentException("Opus and PCM need different payload types.", nameof(PcmPayloadType));
        }

        if (ComfortNoisePayloadType == OpusPayloadType || ComfortNoisePayloadType == PcmPayloadType)
        {
            throw new ArgumentException($"Comfort noise needs its own payload type: {ComfortNoisePayloadType} is taken by {(ComfortNoisePayloadType == OpusPayloadType ? "Opus" : "PCM")}.", nameof(ComfortNoisePayloadType));
        }
    }
}
