using Concentus;
using Concentus.Enums;
using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Opus encoder (Concentus: native libopus when it finds one, managed code otherwise).</summary>
internal sealed class OpusAudioEncoder : IAudioEncoder
{
    private readonly IOpusEncoder _encoder;

    public OpusAudioEncoder(AudioFormat format, CodecOptions options)
    {
        Format = format;
        FrameSamples = options.FrameSamples;
        _encoder = OpusLibraries.CreateEncoder(format, ToConcentus(options.Application), options.OpusLibrary);
        _encoder.Bitrate = options.EffectiveBitrate(format.Channels);
        _encoder.Complexity = options.Complexity;
        _encoder.UseVBR = true;
        _encoder.UseInbandFEC = false;
        _encoder.PacketLossPercent = 0;
    }

    public AudioCodec Codec => AudioCodec.Opus;

    /// <summary>Whether native libopus encodes (rather than Concentus's managed port).</summary>
    public bool IsNative => OpusLibraries.IsNative(_encoder);

    public AudioFormat Format { get; }

    public int FrameSamples { get; }

    /// <summary>The encoder's lookahead in samples per channel (part of the latency budget).</summary>
    public int Lookahead => _encoder.Lookahead;

    /// <summary>Retunes the encoder between frames (rate control): bitrate, in-band FEC, expected loss.</summary>
    public void Tune(int bitrate, bool fec, int lossPercent)
    {
        _encoder.Bitrate = bitrate;
        _encoder.UseInbandFEC = fec;
        _encoder.PacketLossPercent = Math.Clamp(lossPercent, 0, 100);
    }

    public int Encode(ReadOnlySpan<float> pcm, Span<byte> destination)
        => _encoder.Encode(pcm, FrameSamples, destination, destination.Length);

    public void Dispose() => (_encoder as IDisposable)?.Dispose();

    internal static OpusApplication ToConcentus(OpusApplicationMode mode) => mode switch
    {
        OpusApplicationMode.Audio => OpusApplication.OPUS_APPLICATION_AUDIO,
        OpusApplicationMode.RestrictedLowDelay => OpusApplication.OPUS_APPLICATION_RESTRICTED_LOWDELAY,
        _ => OpusApplication.OPUS_APPLICATION_VOIP,
    };
}
