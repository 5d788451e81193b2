using System.Net;
using System.Net.Sockets;

namespace InterCom.Core.Tests;

/// <summary>
/// A real UDP relay on loopback between two endpoints that drops a seeded share of the RTP datagrams
/// going from the first to the second (RTCP always passes). The first endpoint is whoever sends first.
/// </summary>
internal sealed class LossyRelay : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _second;
    private readonly Random _random;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private EndPoint? _first;

    public LossyRelay(IPEndPoint second, double lossFromFirst, int seed)
    {
        _second = second;
        LossFromFirst = lossFromFirst;
        _random = new Random(seed);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public double LossFromFirst { get; set; }

    public long Dropped { get; private set; }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
        _thread.Join();
    }

    private void Run()
    {
        var buffer = new byte[65536];
        while (!_stopped)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                int length = _socket.ReceiveFrom(buffer, ref from);
                Forward(buffer.AsSpan(0, length), from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopped)
                {
                    return; // disposed: an exception escaping this thread would crash the test host
                }
            }
        }
    }

    private void Forward(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        bool fromSecond = from.Equals(_second);
        _first ??= fromSecond ? null : from;
        if (fromSecond)
        {
            if (_first is not null)
            {
                _socket.SendTo(datagram, _first);
            }

            return;
        }

        if (!Rtp.RtpHeader.IsRtcp(datagram) && _random.NextDouble() < LossFromFirst)
        {
            Dropped++;
            return;
        }

        _socket.SendTo(datagram, _second);
    }
}
