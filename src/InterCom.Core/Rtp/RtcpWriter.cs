using System.Buffers.Binary;
using System.Text;

namespace InterCom.Core.Rtp;

/// <summary>Writes RTCP packets (RFC 3550 section 6.4, 6.6) into spans; packets written one after another form a compound packet.</summary>
public static class RtcpWriter
{
    /// <summary>Writes a sender report; returns its length in bytes.</summary>
    /// <param name="destination">Room for 28 + 24 × blocks bytes.</param>
    /// <param name="ssrc">The sender's SSRC.</param>
    /// <param name="senderInfo">Timestamps and counts.</param>
    /// <param name="blocks">Up to 31 reception report blocks.</param>
    public static int WriteSenderReport(Span<byte> destination, uint ssrc, RtcpSenderInfo senderInfo, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        int length = 4 + 4 + RtcpSenderInfo.Size + (blocks.Length * RtcpReportBlock.Size);
        WriteHeader(destination, RtcpPacketType.SenderReport, blocks.Length, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], senderInfo.NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], senderInfo.RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], senderInfo.PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], senderInfo.OctetCount);
        WriteBlocks(destination[28..], blocks);
        return length;
    }

    /// <summary>Writes a receiver report; returns its length in bytes.</summary>
    /// <param name="destination">Room for 8 + 24 × blocks bytes.</param>
    /// <param name="ssrc">The reporter's SSRC.</param>
    /// <param name="blocks">Up to 31 reception report blocks.</param>
    public static int WriteReceiverReport(Span<byte> destination, uint ssrc, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        int length = 8 + (blocks.Length * RtcpReportBlock.Size);
        WriteHeader(destination, RtcpPacketType.ReceiverReport, blocks.Length, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        WriteBlocks(destination[8..], blocks);
        return length;
    }

    /// <summary>Writes a BYE for <paramref name="ssrcs"/> with an optional reason; returns its length in bytes.</summary>
    /// <param name="destination">Room for 4 + 4 × sources + the reason, padded to 32 bits.</param>
    /// <param name="ssrcs">Up to 31 sources that leave.</param>
    /// <param name="reason">Why (at most 255 UTF-8 bytes), or <see langword="null"/>.</param>
    public static int WriteBye(Span<byte> destination, ReadOnlySpan<uint> ssrcs, string? reason = null)
    {
        int reasonBytes = reason is null ? 0 : Encoding.UTF8.GetByteCount(reason);
        if (reasonBytes > 255)
        {
            throw new ArgumentException("A BYE reason is at most 255 UTF-8 bytes.", nameof(reason));
        }

        int unpadded = 4 + (4 * ssrcs.Length) + (reason is null ? 0 : 1 + reasonBytes);
        int length = (unpadded + 3) & ~3;
        WriteHeader(destination, RtcpPacketType.Goodbye, ssrcs.Length, length);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 + (4 * i))..], ssrcs[i]);
        }

        destination[unpadded..length].Clear();
        if (reason is not null)
        {
            int offset = 4 + (4 * ssrcs.Length);
            destination[offset] = (byte)reasonBytes;
            Encoding.UTF8.GetBytes(reason, destination[(offset + 1)..]);
        }

        return length;
    }

    private static void WriteHeader(Span<byte> destination, RtcpPacketType type, int count, int length)
    {
        if (count > 31)
        {
            throw new ArgumentException("An RTCP packet carries at most 31 report blocks or sources.", nameof(count));
        }

        if (destination.Length < length)
        {
            throw new ArgumentException($"The packet needs {length} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        destination[0] = (byte)(0x80 | count);
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((length / 4) - 1));
    }

    private static void WriteBlocks(Span<byte> destination, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            Span<byte> b = destination[(i * RtcpReportBlock.Size)..];
            RtcpReportBlock block = blocks[i];
            BinaryPrimitives.WriteUInt32BigEndian(b, block.Ssrc);
            b[4] = block.FractionLost;
            int lost = Math.Clamp(block.CumulativeLost, -0x800000, 0x7FFFFF);
            b[5] = (byte)(lost >> 16);
            b[6] = (byte)(lost >> 8);
            b[7] = (byte)lost;
            BinaryPrimitives.WriteUInt32BigEndian(b[8..], block.ExtendedHighestSequence);
            BinaryPrimitives.WriteUInt32BigEndian(b[12..], block.Jitter);
            BinaryPrimitives.WriteUInt32BigEndian(b[16..], block.LastSenderReport);
            BinaryPrimitives.WriteUInt32BigEndian(b[20..], block.DelaySinceLastSenderReport);
        }
    }
}
