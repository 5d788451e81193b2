using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Sessions;

/// <summary>
/// One RTP session (RFC 3550) under both halves of a call: it owns what they share. The peer set and the
/// SRTP contexts; the inbound filter, which drops (and counts, one <see cref="DropReason"/> each) what is
/// not a peer's authentic, well-formed packet; our SSRC and its collisions; RTCP (a report every
/// interval, BYE, and the peers' feedback about our stream); and the dispatch of media packets to the
/// receiver of their payload type, one <see cref="RemoteStream"/> per SSRC. Senders and receivers know
/// nothing of sockets or peers. Datagrams come in through <see cref="OnDatagram"/> (the transport's receive
/// thread); time moves through <see cref="Tick(long)"/> (the session's timer, or a test's fake clock).
/// </summary>
internal sealed partial class RtpSession : IDatagramReceiver, IDisposable
{
    private const int MaxReportBlocks = 31;
    private readonly IDatagramTransport _transport;
    private readonly RtpSessionOptions _options;
    private readonly SrtpSession? _srtp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PeerSet _peers = new();
    private readonly DropCounters _drops = new();
    private readonly SourceProbation _probation = new();
    private readonly ConcurrentDictionary<uint, RemoteStream> _bySsrc = new();
    private readonly Lock _streamsGate = new();
    private RemoteStream[] _streams = [];           // in order of arrival: report blocks and timeouts walk them
    private IMediaReceiver[] _receivers = [];
    private readonly byte[]? _plain;                // receive thread: the decrypted datagram
    private readonly long _reportTicks;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _timer;
    private uint _ssrc;
    private int _disposed;

    public RtpSession(IDatagramTransport transport, RtpSessionOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.SendsMedia && options.Counters is null)
        {
            throw new ArgumentException("A session that does not send media reads the sending half's SSRC from the counters.", nameof(options));
        }

        _transport = transport;
        _options = options;
        _srtp = options.Srtp;
        _time = options.Time ?? TimeProvider.System;
        _logger = logger;
        _plain = _srtp is null && options.Keying is null ? null : new byte[UdpTransport.MaxDatagram];
        _reportTicks = (long)(options.ReportInterval.TotalSeconds * _time.TimestampFrequency);
        _nextReport = _time.GetTimestamp() + _reportTicks;
        _ssrc = NewSsrc(0);
        _ssrcChangesSeen = options.Counters?.SsrcChangeRequests ?? 0;
        foreach (IPEndPoint peer in options.Peers)
        {
            AddPeer(peer);
        }
    }

    /// <summary>The keys media goes under now: the pre-shared key's, the agreed ones, or none (plain RTP, or not agreed yet).</summary>
    private SrtpSession? Srtp => _options.Keying is { } keying ? keying.Srtp : _srtp;

    /// <summary>Whether media must wait for keys that are not agreed yet.</summary>
    private bool AwaitingKeys => _options.Keying is { Srtp: null };

    /// <summary>The SSRC our media goes under (a new one after a collision); with <see cref="RtpSessionOptions.SendsMedia"/> off, the sending worker's.</summary>
    public uint Ssrc => _options.SendsMedia ? Volatile.Read(ref _ssrc) : _options.Counters!.CesSsrc;

    /// <summary>The peers, in the order they were added.</summary>
    public IReadOnlyList<IPEndPoint> Peers => _peers.EndPoints;

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Datagrams dropped for <paramref name="reason"/> so far.</summary>
    public long Dropped(DropReason reason) => _drops[reason];

    /// <summary>RTCP datagrams taken in.</summary>
    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    /// <summary>Times another source used our SSRC.</summary>
    public long SsrcCollisions => _drops[DropReason.SsrcCollision];

    public long SendErrors => _transport.SendErrors;

    /// <summary>Takes packets of the payload types <paramref name="receiver"/> says it takes.</summary>
    public void AddReceiver(IMediaReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        lock (_streamsGate)
        {
            Volatile.Write(ref _receivers, [.. _receivers, receiver]); // the receive thread reads it without the lock
        }
    }

    /// <summary>Starts the timer that sends reports and drops silent streams.</summary>
    public void Start()
    {
        _timer = new Thread(TimerLoop) { IsBackground = true, Name = "InterCom RTCP" };
        _timer.Start();
    }

    /// <summary>Adds a peer: packets go to it from the next one on, and its packets are heard again if it was removed.</summary>
    public void AddPeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        _peers.Add(peer, _transport.AddressOf(peer));
    }

    /// <summary>Removes a peer: nothing more goes to it, its streams end, and its packets are dropped until it is added again.</summary>
    public bool RemovePeer(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        SocketAddress address = _transport.AddressOf(peer);
        bool removed = _peers.Remove(peer, address);
        foreach (RemoteStream stream in Volatile.Read(ref _streams))
        {
            if (address.Equals(stream.Address))
            {
                Close(stream, "removed by the application");
            }
        }

        return removed;
    }

    /// <summary>Stops the timer, and ends our stream (<see cref="EndStream"/>) if the sending half did not.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _timer?.Join();
        EndStream();
    }

    /// <summary>Our streams end (the sending half stopped): BYE for each SSRC we sent media under, once; the peers drop them at once.</summary>
    public void EndStream()
    {
        if (Interlocked.Exchange(ref _streamEnded, 1) != 0 || !_options.SendsMedia)
        {
            return;
        }

        if (_audioSent.Packets > 0)
        {
            SendBye(Ssrc, "session ended");
        }

        if (_video is { } video && video.Sent.Packets > 0)
        {
            SendBye(video.Ssrc, "session ended");
        }
    }

    private int _streamEnded;

    public void Dispose()
    {
        Close();
        _stop.Dispose();
    }

    private void TimerLoop()
    {
        try
        {
            // Wakes for each report only (a collision seen by the receiving worker waits for it too).
            while (!_stop.Token.WaitHandle.WaitOne(TimeUntilReport()))
            {
                Tick(_time.GetTimestamp());
            }
        }
        catch (Exception e)
        {
            SessionsLog.TimerFailed(_logger, e);
        }
    }

    /// <summary>How long until the next report is due (a millisecond past it, never negative).</summary>
    private TimeSpan TimeUntilReport()
    {
        TimeSpan left = _time.GetElapsedTime(_time.GetTimestamp(), Volatile.Read(ref _nextReport));
        return (left > TimeSpan.Zero ? left : TimeSpan.Zero) + TimeSpan.FromMilliseconds(1);
    }

    /// <summary>A random SSRC other than <paramref name="not"/> and other than 0.</summary>
    private static uint NewSsrc(uint not)
    {
        uint ssrc;
        do
        {
            ssrc = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        }
        while (ssrc == 0 || ssrc == not);

        return ssrc;
    }

    /// <summary>The RTP timestamp in a sent packet's header.</summary>
    private static uint TimestampOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
}
