using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Creates encoders and decoders for a call's codec options.</summary>
public static class AudioCodecFactory
{
    /// <summary>Creates the encoder that <paramref name="options"/> describe.</summary>
    /// <param name="format">PCM format of the frames to encode.</param>
    /// <param name="options">Codec, frame duration, bitrate, complexity, application.</param>
    public static IAudioEncoder CreateEncoder(AudioFormat format, CodecOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        format.Validate(nameof(format));
        options.Validate();
        if (options.Codec == AudioCodec.Opus)
        {
            WarmUpOpus();
            return new OpusAudioEncoder(format, options);
        }

        return new PcmAudioEncoder(format, options);
    }

    /// <summary>
    /// The largest payload a call of <paramref name="codec"/> at <paramref name="format"/> sends or accepts:
    /// Opus 1500 bytes (one frame is at most 1275); L16 one 20 ms frame (1920 bytes mono, 3840 stereo: above
    /// a 1500-byte Ethernet MTU the IP layer fragments it).
    /// </summary>
    internal static int MaxPayloadBytes(AudioCodec codec, AudioFormat format)
        => codec == AudioCodec.Opus ? 1500 : 960 * format.Channels * sizeof(short);

    /// <summary>Creates a decoder for <paramref name="codec"/>.</summary>
    /// <param name="codec">The payload format.</param>
    /// <param name="format">PCM format to produce.</param>
    public static IAudioDecoder CreateDecoder(AudioCodec codec, AudioFormat format) => CreateDecoder(codec, format, OpusLibrary.Auto);

    /// <summary>Creates a decoder for <paramref name="codec"/>, Opus from <paramref name="opusLibrary"/>.</summary>
    /// <param name="codec">The payload format.</param>
    /// <param name="format">PCM format of the decoded frames.</param>
    /// <param name="opusLibrary">Which Opus implementation (ignored for L16).</param>
    /// <exception cref="PlatformNotSupportedException">Native libopus was asked for and cannot be loaded.</exception>
    public static IAudioDecoder CreateDecoder(AudioCodec codec, AudioFormat format, OpusLibrary opusLibrary)
    {
        format.Validate(nameof(format));
        if (codec == AudioCodec.Opus)
        {
            WarmUpOpus();
            return new OpusAudioDecoder(format, opusLibrary);
        }

        return new PcmAudioDecoder(format);
    }

    /// <summary>
    /// Whether the decoders a call with <paramref name="options"/> creates never allocate, so that they
    /// may run on a device's audio callback: L16 always, Opus when native libopus decodes (Concentus's
    /// managed port allocates per frame). A call decodes both payload formats, whatever it sends.
    /// When this is <see langword="false"/>, a call's playback to a device is fed by a thread a
    /// device period ahead instead of being pulled by the device's callback.
    /// </summary>
    /// <param name="options">The call's codec settings (<see cref="CodecOptions.OpusLibrary"/> is what counts).</param>
    public static bool DecodesWithoutAllocating(CodecOptions options) => (options ?? throw new ArgumentNullException(nameof(options))).OpusLibrary switch
    {
        OpusLibrary.Native => true,
        OpusLibrary.Managed => false,
        _ => s_nativeOpusLoads.Value,
    };

    private static readonly Lazy<bool> s_nativeOpusLoads = new(() =>
    {
        using var decoder = new OpusAudioDecoder(AudioFormat.Mono48k);
        return decoder.IsNative;
    });

    /// <summary>
    /// Runs Opus once per process on a throwaway encoder/decoder pair, so the first frames of a call
    /// do not pay for JIT compilation (measured: ~100-200 ms of stalled frames at start-up without it).
    /// </summary>
    internal static void WarmUpOpus() => _ = s_opusWarmedUp.Value;

    private static readonly Lazy<bool> s_opusWarmedUp = new(() =>
    {
        foreach (int channels in new[] { 1, 2 })
        {
            var format = new AudioFormat(AudioFormat.CallSampleRate, channels);
            var options = new CodecOptions { FrameDuration = TimeSpan.FromMilliseconds(10) };
            using var encoder = new OpusAudioEncoder(format, options);
            using var decoder = new OpusAudioDecoder(format);
            var tone = new ToneSource(440, format);
            var pcm = new float[options.FrameSamples * channels];
            var packet = new byte[1500];
            for (int i = 0; i < 20; i++)
            {
                tone.Read(pcm, CancellationToken.None);
                int length = encoder.Encode(pcm, packet);
                decoder.Decode(packet.AsSpan(0, length), pcm);
            }

            decoder.Conceal(pcm, options.FrameSamples);
        }

        return true;
    });
}
