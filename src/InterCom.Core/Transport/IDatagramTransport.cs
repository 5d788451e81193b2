using System.Net;

namespace InterCom.Core.Transport;

/// <summary>Where a session sends its datagrams: a UDP socket (<see cref="UdpTransport"/>), or a test's recorder.</summary>
internal interface IDatagramTransport
{
    /// <summary>The bound address and port.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Sends refused by the operating system.</summary>
    long SendErrors { get; }

    /// <summary>The address to pass to <see cref="Send"/> for <paramref name="peer"/>.</summary>
    SocketAddress AddressOf(IPEndPoint peer);

    /// <summary>Sends one datagram; a refusal is counted, never thrown.</summary>
    void Send(ReadOnlySpan<byte> datagram, SocketAddress to);
}
