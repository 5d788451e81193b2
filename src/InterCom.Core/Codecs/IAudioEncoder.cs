using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Turns one frame of PCM into one RTP payload.</summary>
public interface IAudioEncoder : IDisposable
{
    /// <summary>The payload format.</summary>
    AudioCodec Codec { get; }

    /// <summary>The PCM format taken.</summary>
    AudioFormat Format { get; }

    /// <summary>Samples per channel in one frame.</summary>
    int FrameSamples { get; }

    /// <summary>The encoder's algorithmic delay beyond the frame, samples per channel (Opus: its lookahead); default 0.</summary>
    int Lookahead => 0;

    /// <summary>
    /// Encodes exactly one frame (<see cref="FrameSamples"/> × channels interleaved samples) into
    /// <paramref name="destination"/>; returns the payload length in bytes.
    /// </summary>
    int Encode(ReadOnlySpan<float> pcm, Span<byte> destination);
}
