namespace InterCom.Core.Codecs;

/// <summary>The payload formats a call can carry.</summary>
public enum AudioCodec
{
    /// <summary>Opus (RFC 6716, RTP payload RFC 7587), default payload type 111.</summary>
    Opus,

    /// <summary>Uncompressed 16-bit linear PCM, big-endian (L16, RFC 3551), default payload type 96.</summary>
    Pcm,
}
