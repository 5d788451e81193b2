using System.IO.Pipelines;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;

namespace InterCom.Core.Pipelines;

/// <summary>
/// CES, the sending half of a call: PCM in → encoder → RTP → UDP to every peer. PCM enters through
/// <see cref="Input"/> (interleaved native-endian float32 at <see cref="Format"/>), written either by a
/// capture thread pumping an <see cref="IAudioSource"/> or by the application itself. Each whole frame
/// is encoded and sent the moment it is complete.
/// </summary>
public interface ICaptureEncodeSend : IAsyncDisposable
{
    /// <summary>The PCM format taken on <see cref="Input"/>.</summary>
    AudioFormat Format { get; }

    /// <summary>The codec settings packets are encoded with.</summary>
    CodecOptions Codec { get; }

    /// <summary>This sender's RTP synchronization source (random per session).</summary>
    uint Ssrc { get; }

    /// <summary>
    /// Where PCM enters. Write to it only when the pipeline was started without a source; completing it
    /// ends the stream.
    /// </summary>
    PipeWriter Input { get; }

    /// <summary>The peers every packet goes to.</summary>
    IReadOnlyList<IPEndPoint> Peers { get; }

    /// <summary>RTP packets sent (each peer's copy counts).</summary>
    long PacketsSent { get; }

    /// <summary>RTP payload bytes sent, as the receiving side counts them (headers and SRTP tags not included; each peer's copy counts).</summary>
    long BytesSent { get; }

    /// <summary>Starts encoding; with a <paramref name="source"/>, also a capture thread that pumps it into <see cref="Input"/>.</summary>
    /// <param name="source">The audio to send, or <see langword="null"/> when the application writes <see cref="Input"/>.</param>
    void Start(IAudioSource? source);

    /// <summary>Adds a peer; packets go to it from the next frame on. Adding a present peer does nothing.</summary>
    void AddPeer(IPEndPoint peer);

    /// <summary>Removes a peer; returns whether it was there.</summary>
    bool RemovePeer(IPEndPoint peer);

    /// <summary>Stops capturing and encoding; waits for the pipeline's threads to end.</summary>
    Task StopAsync();
}
