using System.Net;
using System.Security.Cryptography;
using InterCom.Core.Audio;
using InterCom.Core.Rtp;

namespace InterCom.Core.Sessions;

internal sealed partial class RtpSession
{
    private readonly RtcpReportBlock[] _blocks = new RtcpReportBlock[MaxReportBlocks]; // timer thread
    private readonly byte[] _report = new byte[(2 * (8 + 20)) + (MaxReportBlocks * RtcpReportBlock.Size) + 4 + (2 * 36)]; // our audio's SR with the blocks, our video's SR, the CNAME of both
    private readonly byte[] _bye = new byte[64];
    private readonly Lock _byeGate = new();
    private readonly uint _reportSsrc = NewSsrc(0); // a receive-only session's own: the sending worker's SRTCP index for its SSRC lives in another process
    private readonly string _cname = $"intercom-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}"; // no host or user name on the wire
    private readonly uint[] _sdesSources = new uint[2];
    private long _nextReport;
    private long _ssrcChangesSeen;
    private long _roundTripMicros;
    private long _remoteFractionLost;
    private long _remoteJitterMicros;
    private long _reportsReceived;

    /// <summary>What the peers' receiver reports said about our stream.</summary>
    public RemoteFeedback Feedback => new(
        Interlocked.Read(ref _roundTripMicros), Interlocked.Read(ref _remoteFractionLost),
        Interlocked.Read(ref _remoteJitterMicros), Interlocked.Read(ref _reportsReceived));

    /// <summary>
    /// What time does to the session, at <paramref name="now"/> (ticks of its <see cref="TimeProvider"/>):
    /// a collision seen by the receiving worker taken up; once per report interval, the streams silent past
    /// the timeout ended and a report sent (an SR with a block per stream when we send media, else an RR).
    /// </summary>
    public void Tick(long now)
    {
        if (_options.SendsMedia && _options.Counters is { } counters && counters.SsrcChangeRequests is var requests && requests != _ssrcChangesSeen)
        {
            _ssrcChangesSeen = requests;
            ChangeSsrc();
        }

        if (now < _nextReport)
        {
            return;
        }

        _nextReport = now + _reportTicks;
        EndSilentStreams(now);
        SendReport(now);
    }

    private void EndSilentStreams(long now)
    {
        long limit = (long)(_options.PeerTimeout.TotalSeconds * _time.TimestampFrequency);
        foreach (RemoteStream stream in Volatile.Read(ref _streams))
        {
            if (now - stream.Media.Reception.LastArrivalTicks > limit)
            {
                Close(stream, "silent past the timeout");
            }
        }
    }

    private void SendReport(long now)
    {
        RemoteStream[] streams = Volatile.Read(ref _streams);
        int count = Math.Min(streams.Length, MaxReportBlocks);
        for (int i = 0; i < count; i++)
        {
            _blocks[i] = streams[i].Media.Reception.TakeReportBlock(streams[i].Ssrc, now);
        }

        ReadOnlySpan<RtcpReportBlock> blocks = _blocks.AsSpan(0, count);
        ulong ntp = NtpTime.Now(); // one wall-clock instant for every stream's report: lip sync pairs them
        int length;
        if (_options.SendsMedia && _audioSent.Packets > 0)
        {
            length = RtcpWriter.WriteSenderReport(_report, Ssrc, _audioSent.SenderInfo(now, _time.TimestampFrequency, _options.SendClockRate, ntp), blocks);
        }
        else if (count > 0)
        {
            length = RtcpWriter.WriteReceiverReport(_report, _options.SendsMedia ? Ssrc : _reportSsrc, blocks);
        }
        else
        {
            length = 0;
        }

        bool video = _video is not null && _video.Sent.Packets > 0;
        if (video)
        {
            length += RtcpWriter.WriteSenderReport(_report.AsSpan(length), _video!.Ssrc, _video.Sent.SenderInfo(now, _time.TimestampFrequency, InterCom.Core.Video.VideoFormat.ClockRate, ntp), []);
        }

        if (length > 0 && _options.SendsMedia)
        {
            // One CNAME for our streams (RFC 3550 section 6.5.1): a peer ties our audio and video together by it.
            _sdesSources[0] = Ssrc;
            _sdesSources[1] = video ? _video!.Ssrc : 0;
            length += RtcpWriter.WriteSourceDescription(_report.AsSpan(length), _sdesSources.AsSpan(0, video ? 2 : 1), _cname);
        }

        if (length > 0) // nothing sent, nothing heard: nothing to report
        {
            SendRtcp(_report.AsSpan(0, length));
        }
    }

    private void OnRtcp(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        var reader = new RtcpCompoundReader(datagram);
        uint arrival = NtpTime.Compact(NtpTime.Now());
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            if (packet.Type is RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport)
            {
                OnReport(packet, from, arrival);
                continue;
            }

            if (packet.Type is RtcpPacketType.TransportFeedback or RtcpPacketType.PayloadFeedback)
            {
                OnVideoFeedback(packet, from);
                continue;
            }

            if (packet.Type != RtcpPacketType.Goodbye)
            {
                continue;
            }

            for (int i = 0; i < packet.Count; i++)
            {
                // Only the address a stream comes from may end it: a BYE is no way for others to silence it.
                if (_bySsrc.TryGetValue(packet.GetByeSsrc(i), out RemoteStream? stream) && from.Equals(stream.Address))
                {
                    Close(stream, "BYE");
                }
            }
        }

        // Each datagram is counted once: taken in, or malformed (what came before the fault was used).
        if (reader.IsMalformed)
        {
            _drops.Count(DropReason.Malformed);
        }
        else
        {
            Interlocked.Increment(ref _rtcpReceived);
        }
    }

    /// <summary>An SR or RR: a stream's SR noted for our next report block; what it reports about our stream taken.</summary>
    private void OnReport(RtcpPacket packet, SocketAddress from, uint arrival)
    {
        if (packet.Type == RtcpPacketType.SenderReport && _bySsrc.TryGetValue(packet.Ssrc, out RemoteStream? stream) && from.Equals(stream.Address))
        {
            stream.Media.Reception.OnSenderReport(packet.SenderInfo, _time.GetTimestamp());
        }

        uint own = Ssrc;
        for (int i = 0; i < packet.Count; i++)
        {
            RtcpReportBlock block = packet.GetReportBlock(i);
            if (_video is { } video && block.Ssrc == video.Ssrc)
            {
                video.OnReport(block.FractionLost, NtpTime.RoundTripMicros(arrival, block.LastSenderReport, block.DelaySinceLastSenderReport));
                continue;
            }

            if (block.Ssrc != own)
            {
                continue;
            }

            if (NtpTime.RoundTripMicros(arrival, block.LastSenderReport, block.DelaySinceLastSenderReport) is { } rtt)
            {
                Interlocked.Exchange(ref _roundTripMicros, rtt);
            }

            Interlocked.Exchange(ref _remoteFractionLost, block.FractionLost);
            Interlocked.Exchange(ref _remoteJitterMicros, block.Jitter * 1_000_000L / AudioFormat.CallSampleRate);
            Interlocked.Increment(ref _reportsReceived);
        }
    }

    /// <summary>Another source uses our SSRC: we take a new one (and say BYE for the old); a receive-only session asks the sending worker to.</summary>
    private void OnCollision()
    {
        if (_options.SendsMedia)
        {
            ChangeSsrc();
        }
        else
        {
            _options.Counters!.RequestSsrcChange();
        }
    }

    private void ChangeSsrc()
    {
        uint old = Volatile.Read(ref _ssrc);
        Volatile.Write(ref _ssrc, NewSsrc(old));
        if (_audioSent.Packets > 0)
        {
            SendBye(old, "SSRC collision");
        }

        SessionsLog.SsrcChanged(_logger, old, Ssrc);
    }

    private void SendBye(uint ssrc, string reason)
    {
        lock (_byeGate) // the receive thread (a collision) and the closing thread
        {
            SendRtcp(_bye.AsSpan(0, RtcpWriter.WriteBye(_bye, [ssrc], reason)));
        }
    }
}
