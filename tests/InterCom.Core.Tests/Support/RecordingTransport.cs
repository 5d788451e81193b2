using System.Net;
using InterCom.Core.Transport;

namespace InterCom.Core.Tests;

/// <summary>A transport with no socket: what a session sends is kept, datagram by datagram, with where it went.</summary>
internal sealed class RecordingTransport(IPEndPoint local) : IDatagramTransport
{
    private readonly Lock _gate = new();
    private readonly List<(byte[] Datagram, IPEndPoint To)> _sent = [];

    public RecordingTransport()
        : this(new IPEndPoint(IPAddress.Loopback, 6000))
    {
    }

    public IPEndPoint LocalEndPoint { get; } = local;

    public long SendErrors => 0;

    public IReadOnlyList<(byte[] Datagram, IPEndPoint To)> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    public SocketAddress AddressOf(IPEndPoint peer) => peer.Serialize();

    public void Send(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        lock (_gate)
        {
            _sent.Add((datagram.ToArray(), UdpTransport.EndPointOf(to)));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _sent.Clear();
        }
    }
}
