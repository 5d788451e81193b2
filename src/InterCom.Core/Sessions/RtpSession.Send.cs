using System.Net;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Core.Sessions;

internal sealed partial class RtpSession
{
    private long _packetsSent;     // each peer's copy counted
    private long _bytesSent;       // RTP payload bytes, each peer's copy counted
    private long _streamPackets;   // packets of our stream (each once), for the sender report
    private long _streamOctets;
    private long _lastTimestamp;   // RTP timestamp of the last packet sent, and when (for the sender report's)
    private long _lastTimestampTicks;

    /// <summary>RTP packets sent, each peer's copy counted.</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>RTP payload bytes sent (headers and SRTP tags not counted, as on the receiving side), each peer's copy counted.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// Sends one RTP packet of ours (<paramref name="length"/> bytes of <paramref name="packet"/>, which has
    /// room for the SRTP tag after them) to every peer: protected first when the call is encrypted. One
    /// sending thread.
    /// </summary>
    public void SendRtp(Span<byte> packet, int length)
    {
        int payload = length - RtpHeader.FixedSize;
        Volatile.Write(ref _lastTimestampTicks, _time.GetTimestamp());
        Volatile.Write(ref _lastTimestamp, TimestampOf(packet));
        if (_srtp is not null)
        {
            length = _srtp.ProtectRtp(packet, length);
        }

        ReadOnlySpan<byte> datagram = packet[..length];
        Interlocked.Increment(ref _streamPackets);
        Interlocked.Add(ref _streamOctets, payload);
        foreach ((IPEndPoint _, SocketAddress address) in _peers.Current)
        {
            _transport.Send(datagram, address);
            Interlocked.Increment(ref _packetsSent);
            Interlocked.Add(ref _bytesSent, payload);
        }
    }

    /// <summary>Sends one RTCP packet to every peer, as SRTCP when the call is encrypted.</summary>
    private void SendRtcp(ReadOnlySpan<byte> rtcp)
    {
        Span<byte> scratch = stackalloc byte[_srtp is null ? 0 : rtcp.Length + SrtpSession.SrtcpOverhead];
        ReadOnlySpan<byte> datagram = SrtpSession.OutgoingRtcp(_srtp, rtcp, scratch);
        foreach ((IPEndPoint _, SocketAddress address) in _peers.Current)
        {
            _transport.Send(datagram, address);
        }
    }
}
