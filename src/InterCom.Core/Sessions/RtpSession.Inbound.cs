using System.Net;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using InterCom.Core.Transport;

namespace InterCom.Core.Sessions;

internal sealed partial class RtpSession
{
    private long _rtcpReceived;

    /// <summary>
    /// Receive thread: one datagram through the inbound filter (removed peer, unknown source, SRTP, RTCP or
    /// RTP, loop or collision, payload type, probation, conflict) to its stream's buffer. Never throws.
    /// </summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        try
        {
            if (_options.Keying is { } keying && datagram.Length > 0 && datagram[0] < 128)
            {
                // RFC 7983: STUN and DTLS share the media port; ICE checks come before the peer is known.
                if (!keying.OnControl(datagram, UdpTransport.EndPointOf(from)))
                {
                    _drops.Count(DropReason.Malformed);
                }

                return;
            }

            if (Filter(ref datagram, from, out bool authenticated) is { } dropped)
            {
                _drops.Count(dropped);
                return;
            }

            if (RtpHeader.IsRtcp(datagram))
            {
                OnRtcp(datagram, from);
            }
            else if (Dispatch(datagram, from, authenticated) is { } refused)
            {
                _drops.Count(refused);
            }
        }
        catch (Exception e)
        {
            _drops.Count(DropReason.Malformed);
            SessionsLog.DatagramFailed(_logger, e);
        }
    }

    /// <summary>The source and the SRTP checks; <paramref name="datagram"/> becomes the plain packet.</summary>
    private DropReason? Filter(ref ReadOnlySpan<byte> datagram, SocketAddress from, out bool authenticated)
    {
        authenticated = false;
        if (_peers.IsRemoved(from))
        {
            return DropReason.RemovedPeer;
        }

        if (!_options.HearAnySource && !_peers.IsPeerHost(from))
        {
            return DropReason.UnknownSource;
        }

        if (Srtp is not { } srtp)
        {
            return AwaitingKeys ? DropReason.FailedAuthentication : null; // media before the keys cannot be authentic
        }

        SrtpResult result = RtpHeader.IsRtcp(datagram)
            ? srtp.UnprotectRtcp(datagram, _plain, out int plainLength)
            : srtp.UnprotectRtp(datagram, _plain, out plainLength);
        switch (result)
        {
            case SrtpResult.Ok:
                datagram = _plain.AsSpan(0, plainLength);
                authenticated = true;
                return null;
            case SrtpResult.Authentication:
                return DropReason.FailedAuthentication;
            case SrtpResult.Replay:
                return DropReason.Replayed;
            default:
                return DropReason.Malformed;
        }
    }

    /// <summary>An RTP packet to its stream: found by SSRC, or opened for a new one that proved itself.</summary>
    private DropReason? Dispatch(ReadOnlySpan<byte> datagram, SocketAddress from, bool authenticated)
    {
        if (!RtpHeader.TryParse(datagram, out RtpHeader header, out int offset, out int length))
        {
            return DropReason.Malformed;
        }

        if (header.Ssrc == Ssrc)
        {
            if (IsOwnAddress(from))
            {
                return DropReason.OwnPacket;
            }

            OnCollision(); // RFC 3550 section 8.2: another source uses our SSRC
            return DropReason.SsrcCollision;
        }

        if (_video is { } video && header.Ssrc == video.Ssrc)
        {
            if (IsOwnAddress(from))
            {
                return DropReason.OwnPacket;
            }

            ChangeVideoSsrc(video);
            return DropReason.SsrcCollision;
        }

        long ticks = _time.GetTimestamp();
        if (!_bySsrc.TryGetValue(header.Ssrc, out RemoteStream? stream))
        {
            if (ReceiverOf(header.PayloadType) is not { } receiver)
            {
                return IsAlongside(header.PayloadType) ? DropReason.InProbation : DropReason.UnknownPayloadType; // a stream starts with its media
            }

            if (!authenticated && !_probation.Passes(header))
            {
                return DropReason.InProbation;
            }

            stream = Open(header, from, receiver);
        }
        else if (!from.Equals(stream.Address))
        {
            return DropReason.SsrcConflict; // two transport addresses for one SSRC: a collision between others, or a loop; the first stays
        }
        else if (header.PayloadType != stream.PayloadType && !stream.Receiver.TakesAlongside(header.PayloadType))
        {
            return stream.Receiver.Takes(header.PayloadType) ? DropReason.Malformed : DropReason.UnknownPayloadType;
        }

        long arrival = (long)(ticks * ((double)stream.Receiver.ClockRate / _time.TimestampFrequency));
        return stream.Media.Insert(header, datagram.Slice(offset, length), arrival) ? null : DropReason.Malformed;
    }

    private IMediaReceiver? ReceiverOf(byte payloadType)
    {
        foreach (IMediaReceiver receiver in Volatile.Read(ref _receivers))
        {
            if (receiver.Takes(payloadType))
            {
                return receiver;
            }
        }

        return null;
    }

    private bool IsAlongside(byte payloadType)
    {
        foreach (IMediaReceiver receiver in Volatile.Read(ref _receivers))
        {
            if (receiver.TakesAlongside(payloadType))
            {
                return true;
            }
        }

        return false;
    }

    private RemoteStream Open(in RtpHeader header, SocketAddress from, IMediaReceiver receiver)
    {
        var address = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span.CopyTo(address.Buffer.Span);
        var stream = new RemoteStream(header.Ssrc, header.PayloadType, address, UdpTransport.EndPointOf(from), receiver);
        stream.Media = receiver.Open(stream);
        lock (_streamsGate)
        {
            _bySsrc[stream.Ssrc] = stream;
            Volatile.Write(ref _streams, [.. _streams, stream]);
        }

        return stream;
    }

    /// <summary>Ends a stream: it leaves the table and its receiver releases it.</summary>
    private void Close(RemoteStream stream, string reason)
    {
        lock (_streamsGate)
        {
            if (!_bySsrc.TryRemove(new KeyValuePair<uint, RemoteStream>(stream.Ssrc, stream)))
            {
                return;
            }

            Volatile.Write(ref _streams, [.. _streams.Where(s => s != stream)]);
        }

        stream.Receiver.Close(stream, reason);
    }

    /// <summary>
    /// Whether <paramref name="from"/> is this session's own socket (our packets looped back); for the
    /// receiving worker of a call in two processes, any address of this host (the sender's port is another process's).
    /// </summary>
    private bool IsOwnAddress(SocketAddress from)
    {
        IPEndPoint source = UdpTransport.EndPointOf(from);
        if (_options.SendsMedia && source.Port != LocalEndPoint.Port)
        {
            return false;
        }

        return source.Address.Equals(LocalEndPoint.Address) || UdpTransport.IsLocalAddress(source.Address);
    }
}
