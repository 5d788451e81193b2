using Concentus;
using Concentus.Structs;
using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Opus decoder with packet loss concealment.</summary>
internal sealed class OpusAudioDecoder : IAudioDecoder
{
    private const int MaxFrameSamples = 5760; // 120 ms at 48 kHz, the longest Opus packet
    private readonly IOpusDecoder _decoder;

    public OpusAudioDecoder(AudioFormat format, OpusLibrary library = OpusLibrary.Auto)
    {
        Format = format;
        _decoder = OpusLibraries.CreateDecoder(format, library);
    }

    public AudioCodec Codec => AudioCodec.Opus;

    /// <summary>Whether native libopus decodes (rather than Concentus's managed port).</summary>
    public bool IsNative => OpusLibraries.IsNative(_decoder);

    public AudioFormat Format { get; }

    public int GetFrameSamples(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return -1;
        }

        try
        {
            int samples = OpusPacketInfo.GetNumSamples(payload, Format.SampleRate);
            return samples is > 0 and <= MaxFrameSamples ? samples : -1;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OpusException)
        {
            return -1;
        }
    }

    public int DecodeRedundancy(ReadOnlySpan<byte> nextPayload, Span<float> destination, int frameSamples)
    {
        if (!OpusRedundancy.HasLbrr(nextPayload))
        {
            return -1; // decoding "FEC" from a packet without any would only be concealment under another name
        }

        try
        {
            int samples = _decoder.Decode(nextPayload, destination[..(frameSamples * Format.Channels)], frameSamples, true);
            return samples > 0 ? samples : -1;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OpusException)
        {
            return -1;
        }
    }

    public int Decode(ReadOnlySpan<byte> payload, Span<float> destination)
    {
        try
        {
            int samples = _decoder.Decode(payload, destination, destination.Length / Format.Channels);
            return samples > 0 ? samples : -1;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OpusException)
        {
            return -1;
        }
    }

    public void Conceal(Span<float> destination, int frameSamples)
    {
        Span<float> target = destination[..(frameSamples * Format.Channels)];
        try
        {
            int samples = _decoder.Decode(ReadOnlySpan<byte>.Empty, target, frameSamples);
            if (samples < frameSamples)
            {
                target[(Math.Max(0, samples) * Format.Channels)..].Clear();
            }
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OpusException)
        {
            target.Clear();
        }
    }

    public void Dispose() => (_decoder as IDisposable)?.Dispose();
}
