using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Pipelines;
using InterCom.Core.Rtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Tests;

/// <summary>
/// The receive path's membership rules, driven datagram by datagram (no sockets, no clock): new senders,
/// BYE, spoofed BYE, SSRC conflicts and collisions, removed peers, gain and mute.
/// </summary>
public sealed class ReceiveMembershipTests : IAsyncDisposable
{
    private const uint OwnSsrc = 1000;
    private static readonly SocketAddress Alice = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5004).Serialize();
    private static readonly SocketAddress Bob = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5004).Serialize();
    private static readonly SocketAddress Self = new IPEndPoint(IPAddress.Loopback, 6000).Serialize();
    private readonly ReceiveDecodePlay _receiver;
    private int _collisions;
    private readonly Dictionary<uint, ushort> _sequences = [];

    public ReceiveMembershipTests()
    {
        var options = new ReceiveOptions(() => OwnSsrc, a => a.Equals(Self), () => _collisions++, TimeSpan.FromSeconds(5));
        _receiver = new ReceiveDecodePlay(AudioFormat.Mono48k, new CodecOptions { Codec = AudioCodec.Pcm }, new JitterBufferOptions(), options, NullLogger.Instance);
    }

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    [Fact]
    public void Each_new_ssrc_becomes_a_sender_and_a_bye_from_its_address_releases_it()
    {
        StartStream(Alice, 1);
        StartStream(Bob, 2);
        Assert.Equal(2, Active().Length);

        SendBye(Alice, 1);
        var peers = _receiver.GetPeerStatistics();
        Assert.Single(Active());
        Assert.Equal(2u, Active()[0].Ssrc);
        Assert.Contains(peers, p => p.Ssrc == 1 && p.HasLeft && p.PacketsReceived == 1);
        Assert.Equal(1, _receiver.SendersLeft);

        StartStream(Alice, 1); // it comes back: a new stream
        Assert.Equal(2, Active().Length);
    }

    [Fact]
    public void A_bye_from_another_address_cannot_end_a_stream()
    {
        StartStream(Alice, 1);
        SendBye(Bob, 1);
        Assert.Single(Active());
        Assert.Equal(0, _receiver.SendersLeft);
    }

    [Fact]
    public void A_known_ssrc_from_a_second_address_is_dropped_and_counted()
    {
        StartStream(Alice, 7);
        SendRtp(Bob, 7);
        SendRtp(Bob, 7);
        var sender = Assert.Single(Active());
        Assert.Equal(1, sender.PacketsReceived);
        Assert.Equal(2, _receiver.PacketsSsrcConflict);
    }

    [Fact]
    public void Our_own_ssrc_from_elsewhere_is_a_collision_and_from_ourselves_a_loop()
    {
        SendRtp(Self, OwnSsrc);
        Assert.Equal(0, _collisions);
        SendRtp(Alice, OwnSsrc);
        Assert.Equal(1, _collisions);
        Assert.Equal(1, _receiver.SsrcCollisions);
        Assert.Empty(Active()); // never played either way
    }

    [Fact]
    public void A_removed_peer_is_released_and_ignored_until_readmitted()
    {
        StartStream(Alice, 1);
        _receiver.Forget(Alice);
        Assert.Empty(Active());
        SendRtp(Alice, 1);
        Assert.Empty(Active());
        Assert.Equal(1, _receiver.PacketsFromRemovedPeers);
        _receiver.Readmit(Alice);
        StartStream(Alice, 1);
        Assert.Single(Active());
    }

    [Fact]
    public void Malformed_rtcp_is_counted_and_changes_nothing()
    {
        StartStream(Alice, 1);
        _receiver.OnDatagram([0x81, 203, 0, 9, 0, 0, 0, 1], Alice); // BYE whose length runs past the end
        Assert.Single(Active());
        Assert.Equal(1, _receiver.PacketsMalformed);
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
        Assert.Equal(20, _receiver.PacketsInProbation);

        SendRtp(Alice, 10, sequence: 73); // follows the last one, 72: proven
        Assert.Equal(10u, Assert.Single(Active()).Ssrc);
        Assert.Equal(1, Assert.Single(Active()).PacketsReceived);
    }

    [Fact]
    public async Task Only_the_peers_hosts_are_heard_whatever_their_port()
    {
        var peerAtOtherPort = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6000).Serialize();
        var options = new ReceiveOptions(() => OwnSsrc, _ => false, () => { }, TimeSpan.FromSeconds(5), IsPeerAddress: a => Transport.UdpTransport.SameHost(a, Alice));
        await using var receiver = new ReceiveDecodePlay(AudioFormat.Mono48k, new CodecOptions { Codec = AudioCodec.Pcm }, new JitterBufferOptions(), options, NullLogger.Instance);
        for (ushort seq = 0; seq < 3; seq++)
        {
            receiver.OnDatagram(Packet(5, seq), Bob);
            receiver.OnDatagram(Packet(6, seq), peerAtOtherPort);
        }

        Assert.Equal(3, receiver.PacketsFromUnknownSources);
        Assert.Equal(6u, Assert.Single(receiver.GetPeerStatistics()).Ssrc);
    }

    [Fact]
    public void Gain_must_be_finite_and_in_range()
    {
        var peer = new IPEndPoint(IPAddress.Loopback, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => _receiver.SetPeerGain(peer, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => _receiver.SetPeerGain(peer, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _receiver.SetPeerGain(peer, 17));
        _receiver.SetPeerGain(peer, 0.5f);
        _receiver.SetPeerMuted(peer, true);
    }

    private Diagnostics.PeerStatistics[] Active() => [.. _receiver.GetPeerStatistics().Where(p => !p.HasLeft)];

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
        _receiver.OnDatagram(Packet(ssrc, seq), from);
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
        _receiver.OnDatagram(packet.AsSpan(0, length), from);
    }
}
