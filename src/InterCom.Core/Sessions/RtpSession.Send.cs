using System.Net;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Core.Sessions;

internal sealed partial class RtpSession
{
    private readonly SentCounters _audioSent = new();
    private long _packetsSent;     // each peer's copy counted
    private long _bytesSent;       // RTP payload bytes, each peer's copy counted

    /// <summary>RTP packets of our audio sent, each peer's copy counted (the video counts its own).</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>RTP payload bytes of our audio sent (headers and SRTP tags not counted, as on the receiving side), each peer's copy counted.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// Sends one RTP packet of our audio (<paramref name="length"/> bytes of <paramref name="packet"/>, which
    /// has room for the SRTP tag after them) to every peer: protected first when the call is encrypted.
    /// <paramref name="sinceCapture"/>: how long ago its first sample was captured. One sending thread.
    /// </summary>
    public void SendRtp(Span<byte> packet, int length, TimeSpan sinceCapture = default)
        => Send(packet, length, _audioSent, audio: true, _time.GetTimestamp() - (long)(sinceCapture.TotalSeconds * _time.TimestampFrequency));

    /// <summary>
    /// Sends one RTP packet of our video stream (as <see cref="SendRtp"/>), kept in its send history first
    /// for NACKs; <paramref name="capturedTicks"/>: when its frame was captured. One sending thread.
    /// </summary>
    public void SendVideoRtp(Span<byte> packet, int length, long capturedTicks)
    {
        LocalVideoStream video = _video ?? throw new InvalidOperationException("The session has no video stream.");
        video.History.Store(packet[..length]);
        Send(packet, length, video.Sent, audio: false, capturedTicks);
    }

    private void Send(Span<byte> packet, int length, SentCounters counters, bool audio, long capturedTicks)
    {
        int payload = length - RtpHeader.FixedSize;
        if (AwaitingKeys)
        {
            return; // never in the clear where keys are to be agreed
        }

        counters.OnSent(TimestampOf(packet), payload, capturedTicks);
        if (Srtp is { } srtp)
        {
            length = srtp.ProtectRtp(packet, length);
        }

        ReadOnlySpan<byte> datagram = packet[..length];
        foreach ((IPEndPoint _, SocketAddress address) in _peers.Current)
        {
            _transport.Send(datagram, address);
            if (audio)
            {
                Interlocked.Increment(ref _packetsSent);
                Interlocked.Add(ref _bytesSent, payload);
            }
        }
    }

    /// <summary>Sends one RTCP packet to every peer, as SRTCP when the call is encrypted.</summary>
    private void SendRtcp(ReadOnlySpan<byte> rtcp)
    {
        SrtpSession? srtp = Srtp;
        if (AwaitingKeys)
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[srtp is null ? 0 : rtcp.Length + SrtpSession.SrtcpOverhead];
        ReadOnlySpan<byte> datagram = SrtpSession.OutgoingRtcp(srtp, rtcp, scratch);
        foreach ((IPEndPoint _, SocketAddress address) in _peers.Current)
        {
            _transport.Send(datagram, address);
        }
    }

    /// <summary>Sends one RTCP feedback packet (NACK, PLI) to the sender of <paramref name="stream"/> only, as SRTCP when the call is encrypted.</summary>
    public void SendFeedback(ReadOnlySpan<byte> rtcp, RemoteStream stream)
    {
        SrtpSession? srtp = Srtp;
        if (AwaitingKeys)
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[srtp is null ? 0 : rtcp.Length + SrtpSession.SrtcpOverhead];
        _transport.Send(SrtpSession.OutgoingRtcp(srtp, rtcp, scratch), stream.Address);
    }
}
