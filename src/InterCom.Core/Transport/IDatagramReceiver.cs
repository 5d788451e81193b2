using System.Net;

namespace InterCom.Core.Transport;

/// <summary>Takes datagrams from a <see cref="UdpTransport"/>'s receive thread. Must not throw.</summary>
internal interface IDatagramReceiver
{
    /// <summary>One datagram, valid only during the call; <paramref name="from"/> is reused after it returns.</summary>
    void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from);
}
