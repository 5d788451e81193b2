using System.Net;
using System.Net.Sockets;
using InterCom.Core.Rtp;
using InterCom.Core.Security;
using InterCom.Core.Sessions;
using InterCom.Core.Video;

namespace InterCom.Core.Tests;

/// <summary>The VP8 payload format (RFC 7741), the frame buffer on packets given by hand, the feedback messages, and the stamp.</summary>
public sealed class VideoPayloadTests
{
    private const int MaxPayload = RtpSession.MaxVideoPacket - RtpHeader.FixedSize - Vp8Payload.DescriptorSize;

    [Fact]
    public void A_frame_is_split_into_even_fragments_within_the_mtu_and_reassembled_in_any_order()
    {
        byte[] frame = Frame(5000, key: true);
        List<byte[]> packets = Packetize(frame, seq: 100, timestamp: 9000, pictureId: 5);
        Assert.Equal(5, packets.Count);
        Assert.All(packets, p => Assert.True(p.Length <= RtpSession.MaxVideoPacket, $"{p.Length} bytes"));
        Assert.True(packets.Max(p => p.Length) - packets.Min(p => p.Length) <= 1);

        VideoFrameBuffer buffer = Buffer();
        packets.Reverse();
        foreach (byte[] p in packets)
        {
            Insert(buffer, p);
        }

        byte[] data = new byte[16];
        AssembledFrame taken = Assert.IsType<AssembledFrame>(buffer.TryTake(ref data, 0, TimeSpan.FromMilliseconds(100)));
        Assert.False(taken.Incomplete);
        Assert.True(taken.IsKeyframe);
        Assert.Equal(5, taken.PictureId);
        Assert.Equal(frame, data.AsSpan(0, taken.Length).ToArray());
        Assert.Null(buffer.TryTake(ref data, 0, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void A_frame_missing_a_fragment_waits_is_asked_for_and_is_given_up_after_the_patience()
    {
        VideoFrameBuffer buffer = Buffer();
        byte[] first = Frame(3000, key: true), second = Frame(2000, key: false);
        List<byte[]> a = Packetize(first, 10, 0, 1), b = Packetize(second, (ushort)(10 + 3), 3000, 2);
        Insert(buffer, a[0]);
        Insert(buffer, a[2]); // a[1] lost
        foreach (byte[] p in b)
        {
            Insert(buffer, p);
        }

        Span<ushort> nacks = stackalloc ushort[8];
        long now = TimeProvider.System.GetTimestamp();
        Assert.Equal([11], nacks[..buffer.TakeNacks(nacks, now, TimeSpan.FromMilliseconds(20))].ToArray());
        Assert.Equal(0, buffer.TakeNacks(nacks, now, TimeSpan.FromMilliseconds(20))); // not again before the retry time

        byte[] data = new byte[16];
        TimeSpan patience = TimeSpan.FromMilliseconds(100);
        Assert.Null(buffer.TryTake(ref data, now, patience));
        long later = now + (TimeProvider.System.TimestampFrequency / 5); // 200 ms on
        AssembledFrame givenUp = Assert.IsType<AssembledFrame>(buffer.TryTake(ref data, later, patience));
        Assert.True(givenUp.Incomplete);
        AssembledFrame next = Assert.IsType<AssembledFrame>(buffer.TryTake(ref data, later, patience));
        Assert.Equal(second, data.AsSpan(0, next.Length).ToArray());
        Assert.Equal(1, buffer.GivenUp);
    }

    [Fact]
    public void A_retransmitted_fragment_completes_its_frame()
    {
        VideoFrameBuffer buffer = Buffer();
        byte[] frame = Frame(3000, key: true);
        List<byte[]> packets = Packetize(frame, 65534, 0, 1); // sequence numbers wrap inside the frame
        Insert(buffer, packets[0]);
        Insert(buffer, packets[2]);
        byte[] data = new byte[16];
        Assert.Null(buffer.TryTake(ref data, 0, TimeSpan.FromMilliseconds(100)));
        Insert(buffer, packets[1]); // the NACK's answer
        AssembledFrame taken = Assert.IsType<AssembledFrame>(buffer.TryTake(ref data, 0, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(frame, data.AsSpan(0, taken.Length).ToArray());
        Assert.Equal(1, buffer.Recovered);
    }

    [Theory]
    [InlineData(0x7FFE)]
    [InlineData(0x7FFF)]
    [InlineData(0)]
    public void The_15_bit_picture_id_reads_back_and_wraps(int pictureId)
    {
        byte[] payload = new byte[64];
        int length = Vp8Payload.WriteFragment(payload, Frame(20, key: false), 0, 1, (ushort)pictureId);
        Assert.True(Vp8Payload.TryRead(payload.AsSpan(0, length), out Vp8Descriptor d));
        Assert.Equal(pictureId, d.PictureId);
        Assert.Equal(Vp8Payload.DescriptorSize, d.DataOffset);
        Assert.True(d.FrameStart);
        Assert.False(d.IsKeyframe);
    }

    [Fact]
    public void Descriptors_of_other_senders_are_read_and_a_later_partition_is_no_frame_start()
    {
        // GStreamer's: X, S, PID 1; I with a 7-bit PictureID; L and T/K bytes.
        byte[] later = [0x91, 0xF0, 0x05, 0x07, 0x20, 0xAA];
        Assert.True(Vp8Payload.TryRead(later, out Vp8Descriptor d));
        Assert.False(d.FrameStart);
        Assert.Equal(5, d.PictureId);
        Assert.Equal(5, d.DataOffset);
        byte[] minimal = [0x10, 0x9C];  // no X: S, partition 0, then a keyframe's tag (P bit 0)
        Assert.True(Vp8Payload.TryRead(minimal, out d));
        Assert.True(d.FrameStart && d.IsKeyframe);
        Assert.Equal(-1, d.PictureId);
        Assert.False(Vp8Payload.TryRead([0x90, 0x80, 0x80], out _)); // cut inside the PictureID
        Assert.False(Vp8Payload.TryRead([0x10], out _));             // no data
    }

    [Fact]
    public void A_nack_lists_its_packets_in_pid_and_blp_items_and_reads_back()
    {
        ushort[] lost = [65534, 65535, 0, 14, 40];
        byte[] rtcp = new byte[64];
        int length = RtcpWriter.WriteNack(rtcp, 1, 2, lost);
        Assert.Equal(12 + 8, length); // 65534 with 65535, 0 and 14 in its bitmask; 40 in a second item
        var reader = new RtcpCompoundReader(rtcp.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out RtcpPacket packet));
        Assert.Equal(RtcpPacketType.TransportFeedback, packet.Type);
        Assert.Equal(2u, packet.MediaSsrc);
        Span<ushort> read = stackalloc ushort[16];
        Assert.Equal(lost, read[..packet.GetNackedSequences(read)].ToArray());

        length = RtcpWriter.WritePictureLossIndication(rtcp, 1, 2);
        reader = new RtcpCompoundReader(rtcp.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out packet));
        Assert.Equal((RtcpPacketType.PayloadFeedback, RtcpWriter.PictureLossIndication, 2u), (packet.Type, packet.Count, packet.MediaSsrc));

        length = RtcpWriter.WriteFullIntraRequest(rtcp, 1, 2, 9);
        reader = new RtcpCompoundReader(rtcp.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out packet));
        Assert.True(packet.IsFullIntraRequestFor(2, out byte sequence));
        Assert.Equal(9, sequence);
        Assert.False(packet.IsFullIntraRequestFor(3, out _));
    }

    [Fact]
    public void One_cname_names_both_of_a_senders_streams()
    {
        byte[] rtcp = new byte[128];
        int length = RtcpWriter.WriteSourceDescription(rtcp, [7, 9], "intercom-0123456789abcdef");
        Assert.Equal(0, length % 4);
        var reader = new RtcpCompoundReader(rtcp.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out RtcpPacket packet));
        Assert.Equal((RtcpPacketType.SourceDescription, 2), (packet.Type, packet.Count));
        int chunk = packet.Body.Length / 2;
        for (int i = 0; i < 2; i++)
        {
            ReadOnlySpan<byte> c = packet.Body.Slice(i * chunk, chunk);
            Assert.Equal(i == 0 ? 7u : 9u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(c));
            Assert.Equal(1, c[4]);
            Assert.Equal("intercom-0123456789abcdef", System.Text.Encoding.UTF8.GetString(c.Slice(6, c[5])));
            Assert.Equal(0, c[6 + c[5]]); // the item list ends
        }

        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void A_packet_sent_again_after_the_sequence_wrapped_keeps_its_srtp_index()
    {
        SrtpMasterKey key = SrtpMasterKey.Generate();
        using var sender = new SrtpSession(key);
        using var receiver = new SrtpSession(key);
        byte[][] sent = new byte[4][];
        ushort[] order = [65534, 65535, 0, 1];
        for (int i = 0; i < 4; i++)
        {
            sent[i] = new byte[64];
            new RtpHeader(97, order[i], 0, 42, false).Write(sent[i]);
        }

        byte[] plain = new byte[64];
        byte[] before = Copy(sent[0]);
        int length = sender.ProtectRtp(before, 20);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(before.AsSpan(0, length), plain, out _));
        byte[] first = Copy(sent[1]);
        sender.ProtectRtp(first, 20);                 // 65535 (lost on the way): rollover count 0
        byte[] zero = Copy(sent[2]), one = Copy(sent[3]);
        sender.ProtectRtp(zero, 20);                  // 0 and 1: rollover count 1
        sender.ProtectRtp(one, 20);
        byte[] again = Copy(sent[1]);
        Assert.Equal(length, sender.ProtectRtp(again, 20)); // 65535 again, after the wrap: its first index
        Assert.Equal(first.AsSpan(0, length).ToArray(), again.AsSpan(0, length).ToArray());
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(zero.AsSpan(0, length), plain, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(one.AsSpan(0, length), plain, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(again.AsSpan(0, length), plain, out _)); // the receiver never had it
        Assert.Equal(SrtpResult.Replay, receiver.UnprotectRtp(again.AsSpan(0, length), plain, out _));
    }

    [Fact]
    public void The_stamp_survives_vp8_at_a_call_bitrate()
    {
        var format = new VideoFormat(640, 360, 30);
        var source = new TestPatternSource(format);
        using var encoder = new Vp8Encoder(format, 300_000, TimeSpan.FromSeconds(5));
        using var decoder = new Vp8Decoder();
        var frame = new VideoFrame(640, 360);
        var decoded = new VideoFrame(16, 16);
        for (uint n = 0; n < 30; n++)
        {
            Assert.True(source.Read(frame, CancellationToken.None));
            Assert.True(FrameStamp.TryRead(frame, out uint stamped, out _));
            Assert.Equal(n, stamped);
            ReadOnlySpan<byte> encoded = encoder.Encode(frame, forceKeyframe: false, out bool key);
            Assert.Equal(n == 0, key);
            Assert.True(decoder.Decode(encoded, decoded));
            Assert.Equal((640, 360), (decoded.Width, decoded.Height));
            Assert.True(FrameStamp.TryRead(decoded, out uint read, out _), $"frame {n}");
            Assert.Equal(n, read);
        }
    }

    [Fact]
    public void Garbage_does_not_decode_and_is_reported_not_thrown()
    {
        using var decoder = new Vp8Decoder();
        var frame = new VideoFrame(16, 16);
        Assert.False(decoder.Decode(new byte[] { 0x9C, 0x01, 0x2A, 0xFF, 0xFF, 0x00 }, frame));
        Assert.False(decoder.Decode(Frame(300, key: false), frame));
        byte[] huge = new byte[64];
        (huge[0], huge[3], huge[4], huge[5]) = (0x10, 0x9d, 0x01, 0x2a);  // a keyframe's tag and start code
        (huge[6], huge[7], huge[8], huge[9]) = (0x80, 0x3E, 0x80, 0x3E);  // 16000 × 16000
        Assert.False(decoder.Decode(huge, frame));
        Assert.Equal((16, 16), (frame.Width, frame.Height)); // nothing was made of it
    }

    [Fact]
    public void Made_up_packets_never_throw_in_assembly_or_decoding_and_are_all_accounted_for()
    {
        var random = new Random(11);
        VideoFrameBuffer buffer = Buffer();
        using var decoder = new Vp8Decoder();
        var picture = new VideoFrame(16, 16);
        byte[] data = new byte[16];
        int malformed = 0, taken = 0, decoded = 0;
        long now = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] payload = new byte[random.Next(0, 1200)];
            random.NextBytes(payload);
            if (payload.Length > 0 && random.Next(4) == 0)
            {
                payload[0] = (byte)(0x90 | (payload[0] & 0x07)); // a frame start now and then
            }

            if (payload.Length > 10 && random.Next(8) == 0)
            {
                payload[1] = 0x00; // no PictureID: the VP8 data starts at byte 2, here a keyframe tag with a huge size
                payload[2] = 0x10;
                (payload[5], payload[6], payload[7]) = (0x9d, 0x01, 0x2a);
            }

            var header = new RtpHeader(97, (ushort)(i + random.Next(-3, 4)), (uint)(i / 4 * 3000), 42, random.Next(3) == 0);
            if (!buffer.Insert(header, payload, 0))
            {
                malformed++;
            }

            now += TimeProvider.System.TimestampFrequency / 100; // 10 ms a packet: stuck frames are given up
            while (buffer.TryTake(ref data, now, TimeSpan.FromMilliseconds(60)) is { } frame)
            {
                taken++;
                if (!frame.Incomplete && decoder.Decode(data.AsSpan(0, frame.Length), picture))
                {
                    decoded++;
                    Assert.InRange(picture.Width, 1, Vp8Decoder.MaxSide);
                }
            }
        }

        Assert.True(malformed > 0, "some made-up payloads carry no descriptor");
        Assert.True(taken > 100, $"{taken} frames taken");
        Assert.True(decoded < taken, $"{decoded} of {taken} random frames decoded");
    }

    private static byte[] Copy(byte[] packet) => [.. packet];

    private static byte[] Frame(int length, bool key)
    {
        byte[] frame = new byte[length];
        new Random(length).NextBytes(frame);
        frame[0] = (byte)(key ? frame[0] & 0xFE : frame[0] | 0x01);
        return frame;
    }

    private static List<byte[]> Packetize(byte[] frame, ushort seq, uint timestamp, ushort pictureId)
    {
        int count = Vp8Payload.FragmentCount(frame.Length, MaxPayload);
        var packets = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            byte[] packet = new byte[RtpSession.MaxVideoPacket];
            new RtpHeader(97, (ushort)(seq + i), timestamp, 42, i == count - 1).Write(packet);
            int length = RtpHeader.FixedSize + Vp8Payload.WriteFragment(packet.AsSpan(RtpHeader.FixedSize), frame, i, count, pictureId);
            packets.Add(packet[..length]);
        }

        return packets;
    }

    private static VideoFrameBuffer Buffer()
    {
        var address = new IPEndPoint(IPAddress.Loopback, 5004).Serialize();
        return new VideoFrameBuffer(new RemoteStream(42, 97, address, new IPEndPoint(IPAddress.Loopback, 5004), null!), TimeProvider.System);
    }

    private static void Insert(VideoFrameBuffer buffer, byte[] packet)
    {
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader header, out int offset, out int length));
        Assert.True(buffer.Insert(header, packet.AsSpan(offset, length), 0));
    }
}
