using System.Collections.Concurrent;
using System.Net;
using InterCom.Core.Ice;
using InterCom.Core.Security;
using InterCom.Core.Security.Dtls;
using InterCom.Core.Sessions;
using InterCom.Core.Transport;

namespace InterCom.Core.WebRtc;

/// <summary>
/// A WebRTC transport on a call's own socket: ICE finds the peer's address (<see cref="IceAgent"/>),
/// then DTLS-SRTP agrees the keys over the same port (<see cref="DtlsSrtpHandshake"/>), and the
/// <see cref="RtpSession"/> it keys sends and takes media from then on (<see cref="ISessionKeying"/>).
/// One thread of its own ticks ICE and runs the handshake; <see cref="Connected"/> ends with the
/// peer's address or the reason it failed.
/// </summary>
internal sealed class WebRtcTransport : ISessionKeying, IDisposable
{
    private static readonly TimeSpan s_iceTimeout = TimeSpan.FromSeconds(10);
    private readonly IDatagramTransport _socket;
    private readonly DtlsCertificate _certificate;
    private IceAgent? _ice;
    private readonly DtlsQueue _dtls;
    private readonly TaskCompletionSource<IPEndPoint> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private string? _remoteFingerprint;
    private bool _dtlsServer;
    private SrtpSession? _srtp;

    /// <param name="socket">The call's socket (the session's transport).</param>
    /// <param name="certificate">This end's DTLS certificate (its fingerprint goes into the SDP).</param>
    public WebRtcTransport(IDatagramTransport socket, DtlsCertificate certificate)
    {
        _socket = socket;
        _certificate = certificate;
        (Ufrag, Pwd) = IceAgent.NewCredentials();
        _dtls = new DtlsQueue(this);
    }

    public string Ufrag { get; }

    public string Pwd { get; }

    public string Fingerprint => _certificate.Fingerprint;

    /// <summary>The address ICE selected, once it has.</summary>
    public IPEndPoint? Peer => Volatile.Read(ref _ice)?.Selected;

    /// <summary>Ends with the peer's address once the keys are agreed; faults with the reason otherwise.</summary>
    public Task<IPEndPoint> Connected => _connected.Task;

    public SrtpSession? Srtp => Volatile.Read(ref _srtp);

    /// <summary>What this end says in its SDP: credentials, fingerprint, its host candidate.</summary>
    public AnswerSettings Describe(bool video = false)
    {
        IPEndPoint local = _socket.LocalEndPoint;
        var host = new SdpCandidate("1", 1, "udp", IceAgent.HostCandidatePriority, local.Address.ToString(), local.Port, "host");
        return new AnswerSettings(Ufrag, Pwd, Fingerprint, [host], video);
    }

    /// <summary>
    /// The peer's SDP (its offer, or its answer to ours): ICE credentials, candidates with literal
    /// addresses, fingerprint. ICE's role: <paramref name="controlling"/> (the offerer); this end is the
    /// DTLS server when <paramref name="dtlsServer"/>. Once only.
    /// </summary>
    /// <exception cref="FormatException">It has no audio section with ICE credentials and a fingerprint.</exception>
    /// <exception cref="InvalidOperationException">The remote side was set already.</exception>
    public void SetRemote(SessionDescription remote, bool controlling, bool dtlsServer)
    {
        if (_ice is not null)
        {
            throw new InvalidOperationException("The call is already connecting: an offer or answer was taken.");
        }

        SdpMedia media = remote.Media.FirstOrDefault(m => m.Kind == "audio" && m.Port != 0 && m.IceUfrag is not null && m.IcePwd is not null && m.Fingerprint is not null)
            ?? throw new FormatException("The peer's SDP has no audio section with ICE credentials and a DTLS fingerprint.");
        _remoteFingerprint = media.Fingerprint;
        _dtlsServer = dtlsServer;
        var ice = new IceAgent(_socket, Ufrag, Pwd, controlling);
        ice.SetRemoteCredentials(media.IceUfrag!, media.IcePwd!);
        bool dualStack = _socket.LocalEndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && _socket.LocalEndPoint.Address.Equals(IPAddress.IPv6Any);
        foreach (SdpCandidate candidate in media.Candidates.Where(c => c.Transport == "udp" && c.Component == 1))
        {
            // A pair is of one address family (RFC 8445 section 6.1.2.2): the socket's, or either on a dual-stack one.
            if (IPAddress.TryParse(candidate.Address, out IPAddress? address) && (dualStack || address.AddressFamily == _socket.LocalEndPoint.AddressFamily))
            {
                ice.AddRemoteCandidate(new IPEndPoint(address, candidate.Port), candidate.Priority);
            }
        }

        Volatile.Write(ref _ice, ice);
    }

    /// <summary>Starts ICE, then the handshake once a pair is selected.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "InterCom WebRTC" };
        _thread.Start();
    }

    public bool OnControl(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (StunReader.IsStun(datagram))
        {
            return Volatile.Read(ref _ice) is { } ice && ice.OnStun(datagram, from); // before an offer or answer was taken: not ours yet
        }

        if (datagram[0] is >= 20 and <= 63)
        {
            return _dtls.Offer(datagram, from);
        }

        return false;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join();
        _dtls.Dispose();
        Volatile.Read(ref _srtp)?.Dispose();
    }

    private void Run()
    {
        IceAgent ice = _ice ?? throw new InvalidOperationException("Set the remote side first.");
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (ice.Selected is null)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                if (ice.Failed || started.Elapsed > s_iceTimeout)
                {
                    throw new DtlsSrtpException($"ICE found no path to the peer within {s_iceTimeout.TotalSeconds:F0} s.");
                }

                ice.Tick();
                Thread.Sleep(5);
            }

            Volatile.Write(ref _srtp, DtlsSrtpHandshake.Run(_dtls, _dtlsServer, _certificate, _remoteFingerprint!));
            _connected.TrySetResult(ice.Selected!);
            while (!_stop.Token.WaitHandle.WaitOne(100))
            {
                ice.Tick(); // consent freshness
            }
        }
        catch (OperationCanceledException)
        {
            _connected.TrySetCanceled(); // disposed while connecting
        }
        catch (Exception e)
        {
            _connected.TrySetException(e); // a DtlsSrtpException says why; anything else must not end the process from this thread
        }
    }

    /// <summary>DTLS's datagrams, handed from the receive thread to the handshake, and sent to the selected address.</summary>
    private sealed class DtlsQueue(WebRtcTransport owner) : Org.BouncyCastle.Tls.DatagramTransport, IDisposable
    {
        private const int MaxQueued = 64;
        private readonly BlockingCollection<byte[]> _queue = new(MaxQueued);

        /// <summary>
        /// Receive thread: a DTLS record is queued (a copy) from the selected peer, or from anyone while none is
        /// selected yet (the peer's ClientHello may come first; the fingerprint decides who it is); otherwise, or
        /// with the queue full, dropped.
        /// </summary>
        public bool Offer(ReadOnlySpan<byte> datagram, IPEndPoint from)
            => (owner.Peer is not { } peer || peer.Equals(from)) && _queue.TryAdd(datagram.ToArray());

        public int GetReceiveLimit() => 1500;

        public int GetSendLimit() => 1200;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            if (!_queue.TryTake(out byte[]? datagram, waitMillis, owner._stop.Token))
            {
                return -1;
            }

            int n = Math.Min(datagram.Length, buffer.Length);
            datagram.AsSpan(0, n).CopyTo(buffer);
            return n;
        }

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer)
        {
            if (owner.Peer is { } peer)
            {
                owner._socket.Send(buffer, owner._socket.AddressOf(peer));
            }
        }

        public void Close()
        {
        }

        public void Dispose() => _queue.Dispose();
    }
}
