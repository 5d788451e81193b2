using System.Net;
using InterCom.Core.Rtp;
using InterCom.Core.Security;

namespace InterCom.Core.Sessions;

internal sealed partial class RtpSession
{
    /// <summary>The largest RTP packet of ours in the clear: a 1200-byte datagram less the SRTP tag.</summary>
    public const int MaxVideoPacket = 1200 - SrtpSession.TagLength;

    private readonly byte[] _retransmission = new byte[MaxVideoPacket + SrtpSession.TagLength]; // receive thread
    private LocalVideoStream? _video;

    /// <summary>Our video stream, once <see cref="AddVideoStream"/> made it.</summary>
    public LocalVideoStream? Video => _video;

    /// <summary>Makes our video stream: an SSRC of its own beside the audio's, a send history, the peers' feedback about it.</summary>
    public LocalVideoStream AddVideoStream()
    {
        if (!_options.SendsMedia)
        {
            throw new InvalidOperationException("A receive-only session sends no video.");
        }

        return _video ??= new LocalVideoStream(NewSsrc(Ssrc), MaxVideoPacket, _time);
    }

    /// <summary>A feedback message (RTPFB, PSFB) about our video: a NACK answered from the send history, a PLI or FIR passed on as a keyframe request.</summary>
    private void OnVideoFeedback(RtcpPacket packet, SocketAddress from)
    {
        if (_video is not { } video)
        {
            return;
        }

        if (packet.Type == RtcpPacketType.PayloadFeedback)
        {
            if ((packet.Count == RtcpWriter.PictureLossIndication && packet.MediaSsrc == video.Ssrc) || packet.IsFullIntraRequestFor(video.Ssrc, out _))
            {
                video.RequestKeyframe();
            }

            return;
        }

        if (packet.MediaSsrc != video.Ssrc)
        {
            return;
        }

        Span<ushort> lost = stackalloc ushort[64];
        int count = packet.GetNackedSequences(lost);
        if (count > 0)
        {
            video.OnNack();
        }

        long now = _time.GetTimestamp();
        TimeSpan spacing = TimeSpan.FromMicroseconds(Math.Max(20_000, Interlocked.Read(ref _roundTripMicros)));
        foreach (ushort seq in lost[..count])
        {
            int length = video.History.TryCopy(seq, _retransmission, spacing);
            if (length == 0 || !video.TryTakeRetransmissionBudget(length, now, _time.TimestampFrequency))
            {
                continue;
            }

            if (Srtp is { } srtp)
            {
                length = srtp.ProtectRtp(_retransmission, length); // the same index as the first time: the receiver never saw it
            }

            _transport.Send(_retransmission.AsSpan(0, length), from); // to the peer that asked only
            video.OnRetransmitted();
        }
    }

    private void ChangeVideoSsrc(LocalVideoStream video)
    {
        uint old = video.Ssrc;
        video.ChangeSsrc(NewSsrc(Ssrc));
        if (video.Sent.Packets > 0)
        {
            SendBye(old, "SSRC collision");
        }

        SessionsLog.SsrcChanged(_logger, old, video.Ssrc);
    }
}
