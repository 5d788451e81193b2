using System.Diagnostics;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Pipelines;
using InterCom.Core.Sessions;
using InterCom.Core.Transport;
using InterCom.Core.Video;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

/// <summary>
/// One end of a call in one process: one RTP session (a UDP socket, the peers, SRTP, RTCP) under a
/// <see cref="Sender"/> (CES) and a <see cref="Receiver"/> (RDP).
/// </summary>
/// <example>
/// <code>
/// await using var session = new VoiceSession(new VoiceSessionOptions
/// {
///     ListenEndPoint = new IPEndPoint(IPAddress.Any, 5004),
///     Peers = [IPEndPoint.Parse("192.0.2.10:5004")],
/// });
/// session.Start(new ToneSource(440, session.Format), new WavFileSink("heard.wav", session.Format));
/// await Task.Delay(TimeSpan.FromSeconds(10));
/// Console.WriteLine(session.GetStatistics());
/// </code>
/// </example>
public sealed class VoiceSession : IAsyncDisposable
{
    private readonly UdpTransport _transport;
    private readonly RtpSession _session;
    private readonly CaptureEncodeSend _sender;
    private readonly ReceiveDecodePlay _receiver;
    private readonly VideoCaptureEncodeSend? _videoSender;
    private readonly VideoReceiveDecodePlay? _videoReceiver;
    private readonly ILogger _logger;
    private readonly FlowControl.FlowControlCounters _counters;
    private readonly Security.SrtpSession? _srtp;
    private readonly WebRtc.WebRtcTransport? _webrtc;
    private int _receiving;
    private long _startTimestamp;
    private IDisposable? _metrics;
    private int _disposed;

    /// <summary>Binds the socket and builds both pipelines; nothing flows until <see cref="Start(IAudioSource?, IAudioSink?)"/>.</summary>
    /// <param name="options">Addresses, format, codec and playout settings.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The listen address cannot be bound (e.g. the port is taken).</exception>
    public VoiceSession(VoiceSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _logger = options.LoggerFactory.CreateLogger<VoiceSession>();
        _counters = options.CountersName is { } name
            ? FlowControl.FlowControlCounters.Create(FlowControl.FlowControlCounters.PathFor(name))
            : FlowControl.FlowControlCounters.CreateInProcess();
        UdpTransport? transport = null;
        _srtp = options.Key is { } key ? new Security.SrtpSession(key) : null;
        try
        {
            _transport = transport = new UdpTransport(options.ListenEndPoint, options.LoggerFactory.CreateLogger<UdpTransport>());
            _webrtc = options.WebRtc ? new WebRtc.WebRtcTransport(_transport, Security.Dtls.DtlsCertificate.Generate()) : null;
            _session = new RtpSession(
                _transport,
                new RtpSessionOptions { Peers = options.Peers, Srtp = _srtp, Keying = _webrtc, Counters = _counters, PeerTimeout = options.PeerTimeout },
                options.LoggerFactory.CreateLogger<RtpSession>());
            _sender = new CaptureEncodeSend(_session, options.Format, options.Codec, options.LoggerFactory.CreateLogger<CaptureEncodeSend>(), _counters, options.RateControl);
            _receiver = new ReceiveDecodePlay(_session, options.Format, options.Codec, options.JitterBuffer, options.LoggerFactory.CreateLogger<ReceiveDecodePlay>(), _counters);
            if (options.Video is { } video)
            {
                _videoSender = new VideoCaptureEncodeSend(_session, video, options.LoggerFactory.CreateLogger<VideoCaptureEncodeSend>());
                _videoReceiver = new VideoReceiveDecodePlay(_session, video, options.LoggerFactory.CreateLogger<VideoReceiveDecodePlay>(), _receiver);
            }
        }
        catch
        {
            _videoSender?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            transport?.Dispose();
            _srtp?.Dispose();
            _webrtc?.Dispose();
            _counters.Dispose();
            if (_counters.Path is { } path)
            {
                File.Delete(path);
            }

            throw;
        }
    }

    /// <summary>The options the session was built with.</summary>
    public VoiceSessionOptions Options { get; }

    /// <summary>The call's PCM format.</summary>
    public AudioFormat Format => Options.Format;

    /// <summary>The bound UDP address (with the real port when port 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>The sending half (capture, encode, send).</summary>
    public ICaptureEncodeSend Sender => _sender;

    /// <summary>The receiving half (receive, decode, play).</summary>
    public IReceiveDecodePlay Receiver => _receiver;

    /// <summary>
    /// Starts the call. The session owns <paramref name="source"/> and <paramref name="sink"/> from here
    /// on and disposes them when it is disposed (a WAV sink's file is then complete).
    /// </summary>
    /// <param name="source">What to send, or <see langword="null"/> to write PCM to <see cref="ICaptureEncodeSend.Input"/>.</param>
    /// <param name="sink">Where to play, or <see langword="null"/> to read PCM from <see cref="IReceiveDecodePlay.Output"/>.</param>
    public void Start(IAudioSource? source, IAudioSink? sink) => Start(source, sink, null, null);

    /// <summary>
    /// Starts the call with video (<see cref="VoiceSessionOptions.Video"/> must be set). The session owns the
    /// sources and sinks from here on, as <see cref="Start(IAudioSource?, IAudioSink?)"/> says.
    /// </summary>
    /// <param name="source">What to send, or <see langword="null"/> to write PCM to <see cref="ICaptureEncodeSend.Input"/>.</param>
    /// <param name="sink">Where to play, or <see langword="null"/> to read PCM from <see cref="IReceiveDecodePlay.Output"/>.</param>
    /// <param name="videoSource">The pictures to send, or <see langword="null"/> to send no video (and still receive it).</param>
    /// <param name="videoSink">Where to show the pictures received, or <see langword="null"/> (they are still decoded and counted).</param>
    /// <exception cref="ArgumentException">A video source or sink was given to a session built without <see cref="VoiceSessionOptions.Video"/>.</exception>
    public void Start(IAudioSource? source, IAudioSink? sink, IVideoSource? videoSource, IVideoSink? videoSink)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if ((videoSource is not null || videoSink is not null) && _videoSender is null)
        {
            throw new ArgumentException("The session was built without video: set VoiceSessionOptions.Video.", videoSource is null ? nameof(videoSink) : nameof(videoSource));
        }

        _startTimestamp = Stopwatch.GetTimestamp();
        RealTimeGc.Enter();
        _receiver.Start(sink, Playout.Resolve(Options.Playout, sink, Options.Codec));
        _videoReceiver?.Start(videoSink);
        StartReceiving();
        _session.Start();
        _sender.Start(source);
        if (videoSource is not null)
        {
            _videoSender!.Start(videoSource);
        }

        _metrics = CallMetrics.Register(LocalEndPoint.ToString(), GetFlowControl);
        SessionLog.Started(_logger, LocalEndPoint, Options.Peers.Count);
    }

    /// <summary>
    /// The offer of a WebRTC call (<see cref="VoiceSessionOptions.WebRtc"/>): Opus (and VP8 with video), this
    /// end's ICE credentials and host candidate, its DTLS fingerprint. Give the answer to <see cref="AcceptAnswer"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session is not a WebRTC one.</exception>
    public string CreateOffer() => WebRtc.SdpWriter.Offer(WebRtcTransport.Describe(Options.Video is not null));

    /// <summary>Takes the peer's answer to <see cref="CreateOffer"/>'s offer and starts connecting: ICE, then DTLS-SRTP (see <see cref="Connection"/>).</summary>
    /// <exception cref="FormatException">The answer is no SDP, or has no audio section with ICE credentials and a fingerprint.</exception>
    /// <exception cref="InvalidOperationException">The session is not a WebRTC one.</exception>
    public void AcceptAnswer(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        WebRtc.SessionDescription remote = WebRtc.SessionDescription.Parse(answer);
        Connect(remote, controlling: true, dtlsServer: remote.Media.FirstOrDefault(m => m.Kind == "audio")?.Setup == "active");
    }

    /// <summary>Answers a peer's offer (a browser's, or another session's <see cref="CreateOffer"/>) and starts connecting; returns the answer to give back.</summary>
    /// <exception cref="FormatException">The offer is no SDP, or has no Opus over DTLS-SRTP with ICE credentials and a fingerprint.</exception>
    /// <exception cref="InvalidOperationException">The session is not a WebRTC one.</exception>
    public string AnswerOffer(string offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        WebRtc.SessionDescription remote = WebRtc.SessionDescription.Parse(offer);
        string answer = WebRtc.SdpWriter.Answer(remote, WebRtcTransport.Describe(Options.Video is not null));
        Connect(remote, controlling: false, dtlsServer: remote.Media.FirstOrDefault(m => m.Kind == "audio")?.Setup != "passive");
        return answer;
    }

    /// <summary>
    /// A WebRTC call's connection: ends once ICE found the peer and DTLS agreed the keys (media flows from
    /// then on), or faults with the reason (no path within 10 s, a certificate that is not the SDP's).
    /// </summary>
    /// <exception cref="InvalidOperationException">The session is not a WebRTC one.</exception>
    public Task Connection => WebRtcTransport.Connected;

    private WebRtc.WebRtcTransport WebRtcTransport => _webrtc ?? throw new InvalidOperationException("The session is not a WebRTC one: set VoiceSessionOptions.WebRtc.");

    private void Connect(WebRtc.SessionDescription remote, bool controlling, bool dtlsServer)
    {
        WebRtc.WebRtcTransport webrtc = WebRtcTransport;
        webrtc.SetRemote(remote, controlling, dtlsServer);
        StartReceiving(); // ICE's checks and answers come in on the call's socket
        webrtc.Start();
        _ = webrtc.Connected.ContinueWith(t => _session.AddPeer(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void StartReceiving()
    {
        if (Interlocked.Exchange(ref _receiving, 1) == 0)
        {
            _transport.StartReceiving(_session, "InterCom receive");
        }
    }

    /// <summary>Adds a peer at run time: packets go to it from the next frame on, and its audio is played again if it was removed.</summary>
    public void AddPeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        _session.AddPeer(peer);
    }

    /// <summary>
    /// Removes a peer at run time: nothing more is sent to it, its stream is dropped, and packets from
    /// its address are ignored (and counted) until it is added again. Returns whether it was a peer.
    /// </summary>
    public bool RemovePeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return _session.RemovePeer(peer);
    }

    /// <summary>The flow-control counters both halves publish (once a second each).</summary>
    public FlowControl.FlowControlSnapshot GetFlowControl()
    {
        lock (_countersGate)
        {
            return _finalFlowControl ?? _counters.Snapshot();
        }
    }

    private readonly Lock _countersGate = new();
    private FlowControl.FlowControlSnapshot? _finalFlowControl;

    /// <summary>A snapshot of the call's statistics.</summary>
    public SessionStatistics GetStatistics()
    {
        FlowControl.CesCounters sending = GetFlowControl().Ces;
        RemoteFeedback feedback = _session.Feedback;
        return new(
            _startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp),
            _session.PacketsSent,
            _session.BytesSent,
            _receiver.GetPeerStatistics(),
            _session.Dropped(DropReason.Malformed),
            _session.Dropped(DropReason.UnknownPayloadType),
            _session.SendErrors,
            _session.Dropped(DropReason.SsrcConflict),
            _session.Dropped(DropReason.RemovedPeer),
            _session.SsrcCollisions,
            _receiver.SendersLeft,
            feedback.RoundTripMicros / 1000.0,
            feedback.FractionLost * 100 / 256.0,
            (int)sending.TargetBitrate,
            sending.FecEnabled)
        {
            PacketsFailedAuthentication = _session.Dropped(DropReason.FailedAuthentication),
            PacketsReplayed = _session.Dropped(DropReason.Replayed),
            PacketsFromUnknownSources = _session.Dropped(DropReason.UnknownSource),
            PacketsInProbation = _session.Dropped(DropReason.InProbation),
            RtcpPacketsReceived = _session.RtcpReceived,
            FramesSuppressed = _sender.FramesSuppressed,
            OutputFailures = _receiver.OutputFailures,
            Encrypted = _srtp is not null || _webrtc?.Srtp is not null,
            Video = GetVideoStatistics(),
        };
    }

    private VideoStatistics? GetVideoStatistics()
    {
        if (_videoSender is null || _videoReceiver is null)
        {
            return null;
        }

        return _videoReceiver.GetStatistics() with
        {
            FramesSent = _videoSender.FramesSent,
            KeyframesSent = _videoSender.KeyframesSent,
            TargetBitrate = _videoSender.TargetBitrate,
            PacketsRetransmitted = _videoSender.Stream.Retransmitted,
        };
    }

    /// <summary>Stops both halves, closes the socket, and disposes the source and sink.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _metrics?.Dispose();
        if (_videoSender is not null)
        {
            await _videoSender.StopAsync().ConfigureAwait(false);
            await _videoReceiver!.StopAsync().ConfigureAwait(false);
        }

        await _sender.StopAsync().ConfigureAwait(false);
        await _receiver.StopAsync().ConfigureAwait(false);
        _session.Close(); // BYE
        _transport.Dispose();
        await _sender.DisposeAsync().ConfigureAwait(false);
        await _receiver.DisposeAsync().ConfigureAwait(false);
        if (_videoSender is not null)
        {
            await _videoSender.DisposeAsync().ConfigureAwait(false);
            await _videoReceiver!.DisposeAsync().ConfigureAwait(false);
        }

        _session.Dispose();
        _srtp?.Dispose();
        _webrtc?.Dispose(); // after the socket: nothing hands it datagrams any more
        lock (_countersGate)
        {
            _finalFlowControl = _counters.Snapshot(); // the counters' memory is freed; statistics keep the last values
            _counters.Dispose();
            if (_counters.Path is { } path)
            {
                File.Delete(path);
            }
        }
        if (_startTimestamp != 0) // started
        {
            RealTimeGc.Exit();
        }

        SessionLog.Stopped(_logger);
    }
}
