using InterCom.Core.Rtp;

namespace InterCom.Core.Tests;

public sealed class RtpHeaderTests
{
    [Theory]
    [InlineData(111, 0, 0u, 0u, false)]
    [InlineData(96, 65535, 4_000_000_000u, 0xDEADBEEFu, true)]
    [InlineData(127, 12345, 48_000u, 1u, false)]
    public void Round_trips_every_field(int payloadType, int sequence, uint timestamp, uint ssrc, bool marker)
    {
        var header = new RtpHeader((byte)payloadType, (ushort)sequence, timestamp, ssrc, marker);
        var packet = new byte[RtpHeader.FixedSize + 3];
        Assert.Equal(12, header.Write(packet));
        packet[12] = 1; packet[13] = 2; packet[14] = 3;

        Assert.True(RtpHeader.TryParse(packet, out RtpHeader parsed, out int offset, out int length));
        Assert.Equal(header, parsed);
        Assert.Equal(12, offset);
        Assert.Equal(3, length);
        Assert.Equal(0x80, packet[0]); // version 2, no padding, no extension, no CSRC
    }

    [Fact]
    public void Skips_csrc_list_and_extension_and_strips_padding()
    {
        // V=2 P=1 X=1 CC=2, PT=111, then 2 CSRCs, an extension of 1 word, a 2-byte payload, 3 bytes of padding.
        byte[] packet =
        [
            0xB2, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
            0, 0, 0, 10, 0, 0, 0, 11,
            0xBE, 0xDE, 0, 1, 9, 9, 9, 9,
            0xAA, 0xBB,
            0, 0, 3,
        ];
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader header, out int offset, out int length));
        Assert.Equal(111, header.PayloadType);
        Assert.Equal(28, offset);
        Assert.Equal(2, length);
        Assert.Equal(0xAA, packet[offset]);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "short", [0x80, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0] },
        { "version 1", [0x40, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1] },
        { "version 0", [0x00, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1] },
        { "CSRC count past the end", [0x8F, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4] },
        { "extension header cut", [0x90, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE] },
        { "extension length past the end", [0x90, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0, 5, 1, 2, 3, 4] },
        { "zero padding count", [0xA0, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0] },
        { "padding past the payload", [0xA0, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 9] },
        { "RTCP sender report", [0x80, 200, 0, 6, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed_datagrams_without_throwing(string why, byte[] datagram)
    {
        Assert.False(RtpHeader.TryParse(datagram, out _, out _, out _), why);
    }

    [Fact]
    public void Rejects_every_truncation_of_a_complex_packet()
    {
        byte[] packet = [0xB1, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 10, 0xBE, 0xDE, 0, 1, 9, 9, 9, 9, 0xAA, 0, 2];
        Assert.True(RtpHeader.TryParse(packet, out _, out _, out _));
        for (int length = 0; length < 24; length++)
        {
            Assert.False(RtpHeader.TryParse(packet.AsSpan(0, length), out _, out _, out _), $"length {length}");
        }
    }

    [Fact]
    public void Random_bytes_never_throw_and_parsed_payload_stays_inside()
    {
        var random = new Random(1234);
        var buffer = new byte[80];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer);
            buffer[0] = (byte)((buffer[0] & 0x3F) | 0x80); // mostly version 2, to reach the deeper checks
            if (RtpHeader.TryParse(buffer.AsSpan(0, length), out _, out int offset, out int payload))
            {
                Assert.InRange(offset, 12, length);
                Assert.InRange(payload, 0, length - offset);
            }
        }
    }

    [Theory]
    [InlineData(65535, 65535L, 65535L)]
    [InlineData(0, 65535L, 65536L)]       // wraps forward
    [InlineData(5, 65530L, 65541L)]
    [InlineData(65535, 65536L, 65535L)]   // a reordered packet from before the wrap
    [InlineData(100, 131172L, 131172L)]   // 2 × 65536 + 100
    [InlineData(32767, 0L, 32767L)]
    public void Extends_sequence_numbers_across_wrap_around(int sequence, long reference, long expected)
    {
        Assert.Equal(expected, RtpSequence.Extend((ushort)sequence, reference));
    }

    [Fact]
    public void Packetizer_advances_sequence_and_timestamp_and_marks_talkspurt_starts()
    {
        var packetizer = new RtpPacketizer(111);
        var packet = new byte[12];
        ushort firstSeq = packetizer.NextSequenceNumber;
        uint firstTs = packetizer.NextTimestamp;
        var headers = new List<RtpHeader>();
        for (int i = 0; i < 3; i++)
        {
            packetizer.WriteHeader(packet, 480);
            Assert.True(RtpHeader.TryParse(packet, out RtpHeader h, out _, out _));
            headers.Add(h);
        }

        packetizer.Skip(960);
        packetizer.WriteHeader(packet, 480);
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader afterSilence, out _, out _));

        Assert.True(headers[0].Marker);
        Assert.False(headers[1].Marker);
        Assert.Equal((ushort)(firstSeq + 2), headers[2].SequenceNumber);
        Assert.Equal(firstTs + 960, headers[2].Timestamp);
        Assert.True(afterSilence.Marker);
        Assert.Equal(firstTs + 1440 + 960, afterSilence.Timestamp);
        Assert.All(headers, h => Assert.Equal(packetizer.Ssrc, h.Ssrc));
    }
}
