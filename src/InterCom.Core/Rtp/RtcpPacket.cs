using System.Buffers.Binary;

namespace InterCom.Core.Rtp;

/// <summary>
/// One RTCP packet inside a compound datagram, validated by <see cref="RtcpCompoundReader"/>: its
/// header, and accessors for the parts of SR, RR and BYE packets. Other types expose only their body.
/// </summary>
public readonly ref struct RtcpPacket
{
    internal RtcpPacket(byte type, int count, ReadOnlySpan<byte> body)
    {
        PacketType = type;
        Count = count;
        Body = body;
    }

    /// <summary>The packet type byte (200..204 for the types of <see cref="RtcpPacketType"/>).</summary>
    public byte PacketType { get; }

    /// <summary>The packet type, when it is one of <see cref="RtcpPacketType"/>.</summary>
    public RtcpPacketType Type => (RtcpPacketType)PacketType;

    /// <summary>The 5-bit count: report blocks (SR, RR), sources (SDES, BYE), subtype (APP), feedback message type (RTPFB, PSFB).</summary>
    public int Count { get; }

    /// <summary>The packet after its 4-byte header, padding removed.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>The sender's SSRC (SR, RR) or the first source's (BYE, SDES).</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Body);

    /// <summary>The media source a feedback message (RTPFB, PSFB) is about.</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(Body[4..]);

    /// <summary>The feedback control information after the two SSRCs of a feedback message.</summary>
    public ReadOnlySpan<byte> FeedbackControl => Body[8..];

    /// <summary>
    /// The lost packets a generic NACK (RTPFB, type 1) lists, each PID/BLP item written out: up to
    /// <paramref name="destination"/>'s room; returns how many.
    /// </summary>
    /// <param name="destination">Where the sequence numbers go.</param>
    public int GetNackedSequences(Span<ushort> destination)
    {
        if (Type != RtcpPacketType.TransportFeedback || Count != RtcpWriter.GenericNack)
        {
            return 0;
        }

        int n = 0;
        ReadOnlySpan<byte> items = FeedbackControl;
        for (int offset = 0; offset + 4 <= items.Length; offset += 4)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(items[offset..]);
            ushort blp = BinaryPrimitives.ReadUInt16BigEndian(items[(offset + 2)..]);
            for (int bit = -1; bit < 16 && n < destination.Length; bit++)
            {
                if (bit < 0 || (blp & (1 << bit)) != 0)
                {
                    destination[n++] = (ushort)(pid + bit + 1);
                }
            }
        }

        return n;
    }

    /// <summary>Whether this full intra request (PSFB, type 4) asks <paramref name="ssrc"/> for a keyframe, and its command number.</summary>
    /// <param name="ssrc">Our stream.</param>
    /// <param name="sequence">The request's command sequence number.</param>
    public bool IsFullIntraRequestFor(uint ssrc, out byte sequence)
    {
        sequence = 0;
        if (Type != RtcpPacketType.PayloadFeedback || Count != RtcpWriter.FullIntraRequest)
        {
            return false;
        }

        ReadOnlySpan<byte> items = FeedbackControl;
        for (int offset = 0; offset + 8 <= items.Length; offset += 8)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(items[offset..]) == ssrc)
            {
                sequence = items[offset + 4];
                return true;
            }
        }

        return false;
    }

    /// <summary>The sender information of an SR.</summary>
    public RtcpSenderInfo SenderInfo => new(
        BinaryPrimitives.ReadUInt64BigEndian(Body[4..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[12..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[16..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[20..]));

    /// <summary>Report block <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>) of an SR or RR.</summary>
    public RtcpReportBlock GetReportBlock(int index)
    {
        if ((uint)index >= (uint)Count || Type is not (RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport))
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        int offset = (Type == RtcpPacketType.SenderReport ? 4 + RtcpSenderInfo.Size : 4) + (index * RtcpReportBlock.Size);
        ReadOnlySpan<byte> b = Body.Slice(offset, RtcpReportBlock.Size);
        int lost = (b[5] << 16) | (b[6] << 8) | b[7];
        if ((lost & 0x800000) != 0)
        {
            lost |= unchecked((int)0xFF000000); // 24-bit two's complement
        }

        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(b),
            b[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(b[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
    }

    /// <summary>Source <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>) that a BYE says is leaving.</summary>
    public uint GetByeSsrc(int index)
    {
        if ((uint)index >= (uint)Count || Type != RtcpPacketType.Goodbye)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return BinaryPrimitives.ReadUInt32BigEndian(Body[(4 * index)..]);
    }
}
