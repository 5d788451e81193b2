using InterCom.Core.Rtp;

namespace InterCom.Core.Tests;

public sealed class RtcpTests
{
    private static readonly RtcpReportBlock Block = new(0xABCDEF01, 25, -3, 0x0002FFFF, 480, 0x12345678, 65536);

    [Fact]
    public void Sender_report_round_trips_with_its_blocks()
    {
        var info = new RtcpSenderInfo(0xE000_0000_8000_0000UL, 123_456, 500, 40_000);
        var buffer = new byte[100];
        int length = RtcpWriter.WriteSenderReport(buffer, 42, info, [Block, Block with { Ssrc = 7, CumulativeLost = 9_000_000 }]);
        Assert.Equal(28 + 48, length);

        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out RtcpPacket packet));
        Assert.Equal(RtcpPacketType.SenderReport, packet.Type);
        Assert.Equal(42u, packet.Ssrc);
        Assert.Equal(info, packet.SenderInfo);
        Assert.Equal(2, packet.Count);
        Assert.Equal(Block, packet.GetReportBlock(0));
        Assert.Equal(7u, packet.GetReportBlock(1).Ssrc);
        Assert.Equal(0x7FFFFF, packet.GetReportBlock(1).CumulativeLost); // clamped to 24 bits
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void Compound_receiver_report_and_bye_read_back_in_order()
    {
        var buffer = new byte[200];
        int length = RtcpWriter.WriteReceiverReport(buffer, 9, [Block]);
        length += RtcpWriter.WriteBye(buffer.AsSpan(length), [9u, 10u], "leaving");

        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out RtcpPacket rr));
        Assert.Equal(RtcpPacketType.ReceiverReport, rr.Type);
        Assert.Equal(9u, rr.Ssrc);
        Assert.Equal(Block, rr.GetReportBlock(0));
        Assert.True(reader.TryReadNext(out RtcpPacket bye));
        Assert.Equal(RtcpPacketType.Goodbye, bye.Type);
        Assert.Equal(2, bye.Count);
        Assert.Equal(10u, bye.GetByeSsrc(1));
        Assert.Equal(0, length % 4);
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
        Assert.True(RtpHeader.IsRtcp(buffer));
        Assert.False(RtpHeader.TryParse(buffer.AsSpan(0, length), out _, out _, out _)); // demultiplexed as RTCP, not RTP
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "too short", [0x80, 201, 0] },
        { "version 1", [0x41, 201, 0, 1, 0, 0, 0, 1] },
        { "length past the end", [0x80, 201, 0, 9, 0, 0, 0, 1] },
        { "RR announcing a block it lacks", [0x81, 201, 0, 1, 0, 0, 0, 1] },
        { "SR without sender info", [0x80, 200, 0, 1, 0, 0, 0, 1] },
        { "BYE announcing 2 sources, carrying 1", [0x82, 203, 0, 1, 0, 0, 0, 1] },
        { "padding longer than the body", [0xA0, 201, 0, 1, 0, 0, 0, 9] },
        { "zero padding", [0xA0, 201, 0, 1, 0, 0, 0, 0] },
        { "not an RTCP type", [0x80, 100, 0, 1, 0, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_packets_stop_the_reader_without_throwing(string why, byte[] datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        Assert.False(reader.TryReadNext(out _), why);
        Assert.True(reader.IsMalformed, why);
    }

    [Fact]
    public void A_valid_packet_followed_by_garbage_yields_the_packet_then_reports_malformed()
    {
        var buffer = new byte[64];
        int length = RtcpWriter.WriteBye(buffer, [5u]);
        buffer[length] = 0x80;
        buffer[length + 1] = 203;
        buffer[length + 3] = 50; // length far past the end
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length + 8));
        Assert.True(reader.TryReadNext(out RtcpPacket bye));
        Assert.Equal(5u, bye.GetByeSsrc(0));
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsMalformed);
    }

    [Fact]
    public void Random_bytes_never_throw_and_accessors_stay_inside()
    {
        var random = new Random(99);
        var buffer = new byte[120];
        for (int i = 0; i < 50_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)((buffer[0] & 0x3F) | 0x80);
            buffer[1] = (byte)(200 + random.Next(5));
            var reader = new RtcpCompoundReader(buffer.AsSpan(0, random.Next(buffer.Length)));
            while (reader.TryReadNext(out RtcpPacket packet))
            {
                if (packet.Type is RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport)
                {
                    for (int b = 0; b < packet.Count; b++)
                    {
                        _ = packet.GetReportBlock(b);
                    }
                }
                else if (packet.Type == RtcpPacketType.Goodbye)
                {
                    for (int b = 0; b < packet.Count; b++)
                    {
                        _ = packet.GetByeSsrc(b);
                    }
                }
            }
        }
    }
}
