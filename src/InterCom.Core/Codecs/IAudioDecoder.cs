using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Turns RTP payloads back into PCM, and conceals payloads that never came.</summary>
public interface IAudioDecoder : IDisposable
{
    /// <summary>The payload format.</summary>
    AudioCodec Codec { get; }

    /// <summary>The PCM format produced.</summary>
    AudioFormat Format { get; }

    /// <summary>Samples per channel that <paramref name="payload"/> decodes to, or -1 when it is not a valid payload.</summary>
    int GetFrameSamples(ReadOnlySpan<byte> payload);

    /// <summary>Decodes one payload; returns samples per channel written, or -1 when the payload is invalid.</summary>
    int Decode(ReadOnlySpan<byte> payload, Span<float> destination);

    /// <summary>
    /// Writes <paramref name="frameSamples"/> samples per channel of concealment for a payload that is
    /// missing (Opus: packet loss concealment; PCM: a short fade to silence).
    /// </summary>
    void Conceal(Span<float> destination, int frameSamples);

    /// <summary>
    /// Rebuilds a missing frame from the redundancy carried by the packet after it (Opus in-band FEC,
    /// LBRR): returns samples per channel written, or -1 when <paramref name="nextPayload"/> carries none
    /// (then conceal instead). The default: no redundancy.
    /// </summary>
    int DecodeRedundancy(ReadOnlySpan<byte> nextPayload, Span<float> destination, int frameSamples) => -1;
}
