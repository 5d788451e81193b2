using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Transport;

/// <summary>
/// One UDP socket for a call: RTP goes out to every peer from it and comes in on it (symmetric RTP).
/// Datagrams stay datagrams: each is handed on whole. The receive loop runs on its own thread with one
/// reused buffer and <see cref="SocketAddress"/>, so it allocates nothing per packet.
/// </summary>
internal sealed class UdpTransport : IDatagramTransport, IDisposable
{
    /// <summary>The largest datagram taken in: 64 KiB.</summary>
    public const int MaxDatagram = 65_536;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private Thread? _receiveThread;
    private long _sendErrors;
    private volatile bool _disposed;

    public UdpTransport(IPEndPoint listen, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(listen);
        _logger = logger;
        _socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (listen.AddressFamily == AddressFamily.InterNetworkV6 && listen.Address.Equals(IPAddress.IPv6Any))
            {
                _socket.DualMode = true; // [::] takes IPv4 peers too
            }

            _socket.ReceiveBufferSize = 1 << 20;
            _socket.SendBufferSize = 1 << 20;
            _socket.Bind(listen);
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new InvalidOperationException($"Cannot listen on UDP {listen}: {e.Message}", e);
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address and port (the port is the real one when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>The address to pass to <see cref="Send"/> for <paramref name="peer"/> (IPv4 peers mapped on a dual-mode socket).</summary>
    public SocketAddress AddressOf(IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && peer.AddressFamily == AddressFamily.InterNetwork)
        {
            if (!_socket.DualMode)
            {
                throw new ArgumentException($"Peer {peer} is IPv4 but the call listens on IPv6 {LocalEndPoint} only.", nameof(peer));
            }

            peer = new IPEndPoint(peer.Address.MapToIPv6(), peer.Port);
        }
        else if (_socket.AddressFamily == AddressFamily.InterNetwork && peer.AddressFamily == AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"Peer {peer} is IPv6 but the call listens on IPv4 {LocalEndPoint}; listen on [::] to reach both.", nameof(peer));
        }

        return peer.Serialize();
    }

    /// <summary>Whether two socket addresses name the same host (family and IP address; the ports may differ). Allocates nothing.</summary>
    public static bool SameHost(SocketAddress a, SocketAddress b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Family != b.Family)
        {
            return false;
        }

        // sockaddr_in: family, port, 4-byte address; sockaddr_in6: family, port, flow info, 16-byte address.
        Range ip = a.Family == AddressFamily.InterNetworkV6 ? 8..24 : 4..8;
        return a.Size >= ip.End.Value && b.Size >= ip.End.Value && a.Buffer.Span[ip].SequenceEqual(b.Buffer.Span[ip]);
    }

    /// <summary>Whether <paramref name="address"/> is this machine's: loopback or one of its interfaces' addresses.</summary>
    public static bool IsLocalAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPAddress.IsLoopback(address) || s_localAddresses.Value.Contains(address);
    }

    private static readonly Lazy<HashSet<IPAddress>> s_localAddresses = new(() =>
    [
        .. System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address),
    ]);

    /// <summary>
    /// The endpoint a received <see cref="SocketAddress"/> names, with an IPv4 address mapped into IPv6
    /// (as a dual-mode socket reports it) given back as plain IPv4. Allocates: not for per-packet use.
    /// </summary>
    public static IPEndPoint EndPointOf(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        IPAddress any = address.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var endPoint = (IPEndPoint)new IPEndPoint(any, 0).Create(address);
        return endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
    }

    /// <summary>Sends one datagram; a refusal by the OS is counted, never thrown.</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, to);
        }
        catch (SocketException e)
        {
            if (Interlocked.Increment(ref _sendErrors) == 1)
            {
                TransportLog.SendFailed(_logger, e.SocketErrorCode, e);
            }
        }
        catch (ObjectDisposedException)
        {
            // Closing: nothing to send to.
        }
    }

    /// <summary>Starts the receive thread, which calls <paramref name="receiver"/> for every datagram until disposal.</summary>
    public void StartReceiving(IDatagramReceiver receiver, string threadName)
    {
        if (_receiveThread is not null)
        {
            throw new InvalidOperationException("Already receiving.");
        }

        _receiveThread = new Thread(() => ReceiveLoop(receiver)) { IsBackground = true, Name = threadName, Priority = ThreadPriority.AboveNormal };
        _receiveThread.Start();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _socket.Dispose(); // unblocks ReceiveFrom
        if (_receiveThread is not null && _receiveThread != Thread.CurrentThread)
        {
            _receiveThread.Join(TimeSpan.FromSeconds(2));
        }
    }

    private void ReceiveLoop(IDatagramReceiver receiver)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_disposed)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (!_disposed && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // ICMP unreachable reported on a later receive, or an oversized datagram: drop it
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_disposed)
                {
                    TransportLog.ReceiveFailed(_logger, e);
                }

                return;
            }

            receiver.OnDatagram(buffer.AsSpan(0, length), from);
        }
    }
}
