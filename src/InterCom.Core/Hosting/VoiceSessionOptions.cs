using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Hosting;

/// <summary>Everything a <see cref="VoiceSession"/> needs. Immutable; every default is stated.</summary>
public sealed record VoiceSessionOptions
{
    /// <summary>The default UDP port: 5004 (the RTP port of RFC 3551).</summary>
    public const int DefaultPort = 5004;

    /// <summary>Where to receive (and send from): default <c>[::]:5004</c>, every IPv4 and IPv6 address. Port 0 picks a free port.</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.IPv6Any, DefaultPort);

    /// <summary>Where to send: every peer gets every packet. Default none (more can be added later).</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; init; } = [];

    /// <summary>The call's PCM format; default 48 kHz mono.</summary>
    public AudioFormat Format { get; init; } = AudioFormat.Mono48k;

    /// <summary>Codec, frame duration, bitrate; default Opus, 10 ms, 32 kb/s per channel.</summary>
    public CodecOptions Codec { get; init; } = new();

    /// <summary>Playout settings of each sender's jitter buffer; default adaptive (starting at 40 ms, then what the network needs).</summary>
    public JitterBufferOptions JitterBuffer { get; init; } = new();

    /// <summary>How the mix reaches the sink; default <see cref="PlayoutMode.Automatic"/> (see <see cref="PlayoutMode"/> for when each applies).</summary>
    public PlayoutMode Playout { get; init; } = PlayoutMode.Automatic;

    /// <summary>Default <see cref="PeerTimeout"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultPeerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a sender may be silent before its stream is dropped (it is picked up again when it sends); default 5 s.</summary>
    public TimeSpan PeerTimeout { get; init; } = DefaultPeerTimeout;

    /// <summary>How the sender adapts to the receivers' reports; default: on, 12 000 b/s up to the codec's bitrate.</summary>
    public FlowControl.RateControlOptions RateControl { get; init; } = new();

    /// <summary>
    /// A name under which the session's flow-control counters are published in a memory-mapped file
    /// (<see cref="FlowControl.FlowControlCounters.PathFor"/>), so that another process can watch them
    /// (<c>intercom stats --session NAME</c>); default <see langword="null"/>: in-process memory only.
    /// The file is deleted when the session ends.
    /// </summary>
    public string? CountersName { get; init; }

    /// <summary>
    /// The pre-shared key that encrypts and authenticates the call (SRTP and SRTCP with AEAD_AES_128_GCM,
    /// RFC 7714); every peer must hold the same one. Default <see langword="null"/>: media in the clear
    /// (still taken only from the peers' addresses, and a new stream only after RFC 3550's probation).
    /// See docs/security.md.
    /// </summary>
    public Security.SrtpMasterKey? Key { get; init; }

    /// <summary>
    /// Video beside the audio (VP8 over RTP, its own SSRC on the same socket and key; needs Debian's libvpx7);
    /// default <see langword="null"/>: audio only.
    /// </summary>
    public Video.VideoOptions? Video { get; init; }

    /// <summary>
    /// Keys and addresses the call the WebRTC way instead of by <see cref="Peers"/> and <see cref="Key"/>:
    /// an SDP offer and answer (<see cref="VoiceSession.CreateOffer"/>, <see cref="VoiceSession.AcceptAnswer"/>,
    /// <see cref="VoiceSession.AnswerOffer"/>), ICE on the call's socket, DTLS-SRTP; Opus only. Default off.
    /// </summary>
    public bool WebRtc { get; init; }

    /// <summary>Where the session logs; default <see cref="NullLoggerFactory.Instance"/> (nothing).</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentNullException.ThrowIfNull(Peers);
        ArgumentNullException.ThrowIfNull(Codec);
        ArgumentNullException.ThrowIfNull(JitterBuffer);
        ArgumentNullException.ThrowIfNull(LoggerFactory);
        Format.Validate(nameof(Format));
        Codec.Validate();
        JitterBuffer.Validate();
        ArgumentNullException.ThrowIfNull(RateControl);
        RateControl.Validate();
        if (CountersName is not null)
        {
            _ = FlowControl.FlowControlCounters.PathFor(CountersName); // throws ArgumentException for a name that is no file name
        }
        Video?.Validate();
        if (WebRtc && (Key is not null || Peers.Count > 0 || Codec.Codec != Codecs.AudioCodec.Opus))
        {
            throw new ArgumentException("A WebRTC call finds its peer by ICE and its keys by DTLS, and carries Opus: give it no Peers, no Key, and the Opus codec.", nameof(WebRtc));
        }

        if (PeerTimeout < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"PeerTimeout {PeerTimeout.TotalMilliseconds} ms is too short: at least 100 ms.", nameof(PeerTimeout));
        }
    }
}
