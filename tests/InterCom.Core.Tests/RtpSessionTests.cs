using System.Net;
using InterCom.Core.Codecs;
using InterCom.Core.Rtp;
using InterCom.Core.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace InterCom.Core.Tests;

/// <summary>
/// The RTP session alone, datagram by datagram on spans, with a fake clock and no socket: the inbound
/// filter's reasons, membership (new streams, BYE, spoofed BYE, conflicts, collisions, removed peers),
/// dispatch by payload type, RTCP scheduling and the feedback about our stream.
/// </summary>
public sealed class RtpSessionTests : IAsyncDisposable
{
    private static readonly IPEndPoint AliceEndPoint = new(IPAddress.Parse("10.0.0.1"), 5004);
    private static readonly SocketAddress Alice = AliceEndPoint.Serialize();
    private static readonly SocketAddress Bob = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5004).Serialize();
    private static readonly SocketAddress Self = new IPEndPoint(IPAddress.Loopback, 6000).Serialize(); // the RecordingTransport's address
    private readonly FakeTimeProvider _time = new();
    private readonly ReceiveRig _rig;
    private readonly Dictionary<uint, ushort> _sequences = [];

    public RtpSessionTests()
    {
        _rig = new ReceiveRig(new CodecOptions { Codec = AudioCodec.Pcm }, new RtpSessionOptions { HearAnySource = true, Time = _time, Peers = [AliceEndPoint] });
    }

    private RtpSession Session => _rig.Session;

    public ValueTask DisposeAsync() => _rig.DisposeAsync();

    [Fact]
    public void Each_new_ssrc_becomes_a_sender_and_a_bye_from_its_address_releases_it()
    {
        StartStream(Alice, 1);
        StartStream(Bob, 2);
        Assert.Equal(2, Active().Length);

        SendBye(Alice, 1);
        var peers = _rig.Receiver.GetPeerStatistics();
        Assert.Single(Active());
        Assert.Equal(2u, Active()[0].Ssrc);
        Assert.Contains(peers, p => p.Ssrc == 1 && p.HasLeft && p.PacketsReceived == 1);
        Assert.Equal(1, _rig.Receiver.SendersLeft);

        StartStream(Alice, 1); // it comes back: a new stream
        Assert.Equal(2, Active().Length);
    }

    [Fact]
    public void A_bye_from_another_address_cannot_end_a_stream()
    {
        StartStream(Alice, 1);
        SendBye(Bob, 1);
        Assert.Single(Active());
        Assert.Equal(0, _rig.Receiver.SendersLeft);
    }

    [Fact]
    public void A_known_ssrc_from_a_second_address_is_dropped_and_counted()
    {
        StartStream(Alice, 7);
        SendRtp(Bob, 7);
        SendRtp(Bob, 7);
        var sender = Assert.Single(Active());
        Assert.Equal(1, sender.PacketsReceived);
        Assert.Equal(2, Session.Dropped(DropReason.SsrcConflict));
    }

    [Fact]
    public void Our_own_ssrc_from_elsewhere_is_a_collision_that_changes_ours_and_says_bye_and_from_ourselves_a_loop()
    {
        uint ours = Session.Ssrc;
        SendOwnPacket(); // we have sent: a BYE for the old SSRC is due on a change
        SendRtp(Self, ours);
        Assert.Equal(1, Session.Dropped(DropReason.OwnPacket));
        Assert.Equal(ours, Session.Ssrc);

        SendRtp(Alice, ours);
        Assert.Equal(1, Session.SsrcCollisions);
        Assert.NotEqual(ours, Session.Ssrc);
        Assert.Empty(Active()); // never played either way
        byte[] bye = Assert.Single(_rig.Transport.Sent, s => s.Datagram[1] == (byte)RtcpPacketType.Goodbye).Datagram;
        var reader = new RtcpCompoundReader(bye);
        Assert.True(reader.TryReadNext(out RtcpPacket packet));
        Assert.Equal(ours, packet.GetByeSsrc(0));
    }

    [Fact]
    public void A_removed_peer_is_released_and_ignored_until_added_again()
    {
        StartStream(Alice, 1);
        Assert.True(Session.RemovePeer(AliceEndPoint));
        Assert.Empty(Active());
        SendRtp(Alice, 1);
        Assert.Empty(Active());
        Assert.Equal(1, Session.Dropped(DropReason.RemovedPeer));
        Session.AddPeer(AliceEndPoint);
        StartStream(Alice, 1);
        Assert.Single(Active());
    }

    [Fact]
    public void Malformed_rtcp_is_counted_and_changes_nothing()
    {
        StartStream(Alice, 1);
        Session.OnDatagram([0x81, 203, 0, 9, 0, 0, 0, 1], Alice); // BYE whose length runs past the end
        Assert.Single(Active());
        Assert.Equal(1, Session.Dropped(DropReason.Malformed));
    }

    [Fact]
    public void A_new_source_is_taken_only_after_consecutive_sequence_numbers()
    {
        for (uint ssrc = 10; ssrc < 20; ssrc++)
        {
            SendRtp(Alice, ssrc, sequence: (ushort)(ssrc * 7));
            SendRtp(Alice, ssrc, sequence: (ushort)(ssrc * 7 + 2)); // not the next one: still on probation
        }

        Assert.Empty(Active());
        Assert.Equal(20, Session.Dropped(DropReason.InProbation));

        SendRtp(Alice, 10, sequence: 73); // follows the last one, 72: proven
        Assert.Equal(10u, Assert.Single(Active()).Ssrc);
        Assert.Equal(1, Assert.Single(Active()).PacketsReceived);
    }

    [Fact]
    public async Task Only_the_peers_hosts_are_heard_whatever_their_port()
    {
        var peerAtOtherPort = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6000).Serialize();
        await using var rig = new ReceiveRig(new CodecOptions { Codec = AudioCodec.Pcm }, new RtpSessionOptions { Peers = [AliceEndPoint] });
        for (ushort seq = 0; seq < 3; seq++)
        {
            rig.Session.OnDatagram(Packet(5, seq), Bob);
            rig.Session.OnDatagram(Packet(6, seq), peerAtOtherPort);
        }

        Assert.Equal(3, rig.Session.Dropped(DropReason.UnknownSource));
        Assert.Equal(6u, Assert.Single(rig.Receiver.GetPeerStatistics()).Ssrc);
    }

    [Fact]
    public void Packets_go_to_the_receiver_of_their_payload_type_and_others_are_counted()
    {
        StartStream(Alice, 1);
        var opus = new byte[12 + 3];
        new RtpHeader(111, 9, 0, 1, false).Write(opus); // Opus on a PCM stream: not this stream's codec
        Session.OnDatagram(opus, Alice);
        new RtpHeader(34, 0, 0, 3, false).Write(opus); // H.263: nobody takes it
        Session.OnDatagram(opus, Alice);
        Session.OnDatagram(opus, Alice);
        Assert.Equal(1, Session.Dropped(DropReason.Malformed));
        Assert.Equal(2, Session.Dropped(DropReason.UnknownPayloadType));
        Assert.Equal(1, Assert.Single(Active()).PacketsReceived);
    }

    [Fact]
    public void A_report_goes_out_once_per_interval_an_rr_while_we_send_nothing_and_an_sr_once_we_do()
    {
        StartStream(Alice, 1);
        Session.Tick(_time.GetTimestamp()); // not due yet
        Assert.Empty(_rig.Transport.Sent);

        _time.Advance(RtpSessionOptions.DefaultReportInterval);
        Session.Tick(_time.GetTimestamp());
        (byte[] rr, IPEndPoint to) = Assert.Single(_rig.Transport.Sent);
        Assert.Equal(AliceEndPoint, to);
        RtcpPacket report = Single(rr);
        Assert.Equal(RtcpPacketType.ReceiverReport, report.Type);
        Assert.Equal(1u, report.GetReportBlock(0).Ssrc);

        _rig.Transport.Clear();
        SendOwnPacket();
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Session.Tick(_time.GetTimestamp());
        Assert.Single(_rig.Transport.Sent); // our packet only: the next report is half an interval away
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Session.Tick(_time.GetTimestamp());
        RtcpPacket sr = Single(_rig.Transport.Sent[^1].Datagram);
        Assert.Equal(RtcpPacketType.SenderReport, sr.Type);
        Assert.Equal(Session.Ssrc, sr.Ssrc);
        Assert.Equal(1u, sr.SenderInfo.PacketCount);
        Assert.Equal(1000u + 48_000, sr.SenderInfo.RtpTimestamp); // our packet's timestamp, a second on
        Assert.Equal(1, sr.Count); // with the block about Alice's stream
    }

    [Fact]
    public void A_stream_silent_past_the_timeout_ends_at_a_report()
    {
        StartStream(Alice, 1);
        _time.Advance(TimeSpan.FromSeconds(4));
        Session.Tick(_time.GetTimestamp());
        Assert.Single(Active());
        _time.Advance(TimeSpan.FromSeconds(2));
        Session.Tick(_time.GetTimestamp());
        Assert.Empty(Active());
        Assert.Equal(1, _rig.Receiver.SendersLeft);
    }

    [Fact]
    public void A_receiver_report_about_our_stream_is_the_feedback_and_one_about_others_is_not()
    {
        var report = new byte[64];
        var about = new RtcpReportBlock(Session.Ssrc, 64, 3, 100, 480, 0, 0);
        int length = RtcpWriter.WriteReceiverReport(report, 77, [about, about with { Ssrc = Session.Ssrc + 1, FractionLost = 200 }]);
        Session.OnDatagram(report.AsSpan(0, length), Alice);
        RemoteFeedback feedback = Session.Feedback;
        Assert.Equal(1, feedback.Reports);
        Assert.Equal(64, feedback.FractionLost);
        Assert.Equal(10_000, feedback.JitterMicros); // 480 samples at 48 kHz
        Assert.Equal(0, feedback.RoundTripMicros); // no LSR: unknown
        Assert.Equal(1, Session.RtcpReceived);
    }

    [Fact]
    public void Gain_must_be_finite_and_in_range()
    {
        var peer = new IPEndPoint(IPAddress.Loopback, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => _rig.Receiver.SetPeerGain(peer, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => _rig.Receiver.SetPeerGain(peer, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _rig.Receiver.SetPeerGain(peer, 17));
        _rig.Receiver.SetPeerGain(peer, 0.5f);
        _rig.Receiver.SetPeerMuted(peer, true);
    }

    /// <summary>A report's one SR or RR, after which comes only the SDES with our CNAME.</summary>
    private RtcpPacket Single(byte[] datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        Assert.True(reader.TryReadNext(out RtcpPacket packet));
        Assert.True(reader.TryReadNext(out RtcpPacket description));
        Assert.Equal((RtcpPacketType.SourceDescription, 1, Session.Ssrc), (description.Type, description.Count, description.Ssrc));
        Assert.Equal(1, description.Body[4]); // a CNAME item
        Assert.StartsWith("intercom-", System.Text.Encoding.UTF8.GetString(description.Body.Slice(6, description.Body[5])), StringComparison.Ordinal);
        Assert.False(reader.TryReadNext(out _));
        return packet;
    }

    private Diagnostics.PeerStatistics[] Active() => [.. _rig.Receiver.GetPeerStatistics().Where(p => !p.HasLeft)];

    /// <summary>One packet of ours, timestamp 1000, through the session to the peers.</summary>
    private void SendOwnPacket()
    {
        var packet = new byte[12 + 960];
        new RtpHeader(96, 0, 1000, Session.Ssrc, true).Write(packet);
        Session.SendRtp(packet, packet.Length);
    }

    /// <summary>Two packets in a row: a new source passes probation (RFC 3550 A.1) with the second.</summary>
    private void StartStream(SocketAddress from, uint ssrc)
    {
        SendRtp(from, ssrc);
        SendRtp(from, ssrc);
    }

    private void SendRtp(SocketAddress from, uint ssrc, ushort? sequence = null)
    {
        ushort seq = sequence ?? (_sequences.TryGetValue(ssrc, out ushort last) ? (ushort)(last + 1) : (ushort)0);
        _sequences[ssrc] = seq;
        Session.OnDatagram(Packet(ssrc, seq), from);
    }

    private static byte[] Packet(uint ssrc, ushort seq)
    {
        var packet = new byte[12 + 960];
        new RtpHeader(96, seq, (uint)(seq * 480), ssrc, false).Write(packet);
        return packet;
    }

    private void SendBye(SocketAddress from, uint ssrc)
    {
        var packet = new byte[8];
        int length = RtcpWriter.WriteBye(packet, [ssrc]);
        Session.OnDatagram(packet.AsSpan(0, length), from);
    }
}
