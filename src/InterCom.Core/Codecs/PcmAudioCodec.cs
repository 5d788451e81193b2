using System.Buffers.Binary;
using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>L16: 16-bit big-endian linear PCM (RFC 3551 section 4.5.11). Bit-exact for 16-bit input.</summary>
internal sealed class PcmAudioEncoder(AudioFormat format, CodecOptions options) : IAudioEncoder
{
    public AudioCodec Codec => AudioCodec.Pcm;

    public AudioFormat Format { get; } = format;

    public int FrameSamples { get; } = options.FrameSamples;

    public int Encode(ReadOnlySpan<float> pcm, Span<byte> destination)
    {
        int samples = FrameSamples * Format.Channels;
        for (int i = 0; i < samples; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[(2 * i)..], PcmConversion.ToInt16(pcm[i]));
        }

        return 2 * samples;
    }

    public void Dispose()
    {
    }
}

/// <summary>L16 decoder; concealment is a 2.5 ms fade from the last sample to silence, never stale audio.</summary>
internal sealed class PcmAudioDecoder(AudioFormat format) : IAudioDecoder
{
    private const int FadeSamples = 120;
    private readonly float[] _last = new float[format.Channels];

    public AudioCodec Codec => AudioCodec.Pcm;

    public AudioFormat Format { get; } = format;

    public int GetFrameSamples(ReadOnlySpan<byte> payload)
        => payload.IsEmpty || payload.Length % (2 * Format.Channels) != 0 ? -1 : payload.Length / (2 * Format.Channels);

    public int Decode(ReadOnlySpan<byte> payload, Span<float> destination)
    {
        int frames = GetFrameSamples(payload);
        if (frames < 0 || frames * Format.Channels > destination.Length)
        {
            return -1;
        }

        int samples = frames * Format.Channels;
        for (int i = 0; i < samples; i++)
        {
            destination[i] = BinaryPrimitives.ReadInt16BigEndian(payload[(2 * i)..]) / 32768f;
        }

        destination.Slice(samples - Format.Channels, Format.Channels).CopyTo(_last);
        return frames;
    }

    public void Conceal(Span<float> destination, int frameSamples)
    {
        int channels = Format.Channels;
        Span<float> target = destination[..(frameSamples * channels)];
        target.Clear();
        int fade = Math.Min(FadeSamples, frameSamples);
        for (int f = 0; f < fade; f++)
        {
            float gain = 1f - ((f + 1) / (float)fade);
            for (int c = 0; c < channels; c++)
            {
                target[(f * channels) + c] = _last[c] * gain;
            }
        }

        Array.Clear(_last);
    }

    public void Dispose()
    {
    }
}

internal static class PcmConversion
{
    public static short ToInt16(float sample)
    {
        float scaled = sample * 32768f;
        return scaled >= 32767f ? short.MaxValue : scaled <= -32768f ? short.MinValue : (short)MathF.Round(scaled);
    }
}
