using System.Diagnostics;
using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Pipelines;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

/// <summary>
/// One end of a call in one process: a UDP socket shared by a <see cref="Sender"/> (CES) and a
/// <see cref="Receiver"/> (RDP).
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
    private readonly CaptureEncodeSend _sender;
    private readonly ReceiveDecodePlay _receiver;
    private readonly ILogger _logger;
    private readonly FlowControl.FlowControlCounters _counters;
    private readonly Security.SrtpSession? _srtp;
    private long _startTimestamp;
    private int _disposed;

    /// <summary>Binds the socket and builds both pipelines; nothing flows until <see cref="Start"/>.</summary>
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
            _sender = new CaptureEncodeSend(options.Format, options.Codec, _transport, options.Peers, options.LoggerFactory.CreateLogger<CaptureEncodeSend>(), _counters, options.RateControl, _srtp);
            var receive = new ReceiveOptions(
                () => _sender.Ssrc, IsOwnAddress, _sender.ChangeSsrcAfterCollision, options.PeerTimeout, _counters, _sender.SendToPeers, _sender.IsPeerAddress, _srtp);
            _receiver = new ReceiveDecodePlay(options.Format, options.Codec, options.JitterBuffer, receive, options.LoggerFactory.CreateLogger<ReceiveDecodePlay>());
        }
        catch
        {
            transport?.Dispose();
            _srtp?.Dispose();
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
    public void Start(IAudioSource? source, IAudioSink? sink)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _startTimestamp = Stopwatch.GetTimestamp();
        RealTimeGc.Enter();
        _receiver.Start(sink);
        _transport.StartReceiving(_receiver, "InterCom receive");
        _sender.Start(source);
        SessionLog.Started(_logger, LocalEndPoint, Options.Peers.Count);
    }

    /// <summary>Adds a peer at run time: packets go to it from the next frame on, and its audio is played again if it was removed.</summary>
    public void AddPeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        _receiver.Readmit(_transport.AddressOf(peer));
        _sender.AddPeer(peer);
    }

    /// <summary>
    /// Removes a peer at run time: nothing more is sent to it, its stream is dropped, and packets from
    /// its address are ignored (and counted) until it is added again. Returns whether it was a peer.
    /// </summary>
    public bool RemovePeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        bool removed = _sender.RemovePeer(peer);
        _receiver.Forget(_transport.AddressOf(peer));
        return removed;
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
        return new(
            _startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp),
            _sender.PacketsSent,
            _sender.BytesSent,
            _receiver.GetPeerStatistics(),
            _receiver.PacketsMalformed,
            _receiver.PacketsUnknownPayloadType,
            _transport.SendErrors,
            _receiver.PacketsSsrcConflict,
            _receiver.PacketsFromRemovedPeers,
            _receiver.SsrcCollisions,
            _receiver.SendersLeft,
            _receiver.RoundTripMicros / 1000.0,
            _receiver.RemoteFractionLost * 100 / 256.0,
            (int)sending.TargetBitrate,
            sending.FecEnabled)
        {
            PacketsFailedAuthentication = _receiver.PacketsFailedAuthentication,
            PacketsReplayed = _receiver.PacketsReplayed,
            PacketsFromUnknownSources = _receiver.PacketsFromUnknownSources,
            PacketsInProbation = _receiver.PacketsInProbation,
            RtcpPacketsReceived = _receiver.RtcpPacketsReceived,
            OutputFailures = _receiver.OutputFailures,
            Encrypted = _srtp is not null,
        };
    }

    /// <summary>Whether <paramref name="address"/> is this session's own socket (our packets looped back).</summary>
    private bool IsOwnAddress(SocketAddress address)
    {
        IPEndPoint from = UdpTransport.EndPointOf(address);
        if (from.Port != LocalEndPoint.Port)
        {
            return false;
        }

        return from.Address.Equals(LocalEndPoint.Address) || UdpTransport.IsLocalAddress(from.Address);
    }

    /// <summary>Stops both halves, closes the socket, and disposes the source and sink.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sender.StopAsync().ConfigureAwait(false);
        await _receiver.StopAsync().ConfigureAwait(false);
        _transport.Dispose();
        await _sender.DisposeAsync().ConfigureAwait(false);
        await _receiver.DisposeAsync().ConfigureAwait(false);
        _srtp?.Dispose();
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
