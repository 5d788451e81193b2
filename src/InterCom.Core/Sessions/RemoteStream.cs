using System.Net;

namespace InterCom.Core.Sessions;

/// <summary>A remote sender's stream (one SSRC) as the session knows it: where it comes from, and its receiver and buffer.</summary>
internal sealed class RemoteStream(uint ssrc, byte payloadType, SocketAddress address, IPEndPoint endPoint, IMediaReceiver receiver)
{
    public uint Ssrc { get; } = ssrc;

    /// <summary>The payload type it started with; another one later is refused (no codec switch mid-stream).</summary>
    public byte PayloadType { get; } = payloadType;

    /// <summary>The transport address its packets come from (RFC 3550 section 8.2 compares it); a copy of the receive thread's.</summary>
    public SocketAddress Address { get; } = address;

    public IPEndPoint EndPoint { get; } = endPoint;

    public IMediaReceiver Receiver { get; } = receiver;

    public IMediaStream Media { get; internal set; } = null!;
}
