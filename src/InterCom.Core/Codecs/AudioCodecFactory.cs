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
        return options.Codec == AudioCodec.Opus ? new OpusAudioEncoder(format, options) : new PcmAudioEncoder(format, options);
    }

    /// <summary>Creates a decoder for <paramref name="codec"/>.</summary>
    /// <param name="codec">The payload format.</param>
    /// <param name="format">PCM format to produce.</param>
    public static IAudioDecoder CreateDecoder(AudioCodec codec, AudioFormat format)
    {
        format.Validate(nameof(format));
        return codec == AudioCodec.Opus ? new OpusAudioDecoder(format) : new PcmAudioDecoder(format);
    }
}
