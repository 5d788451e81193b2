using System.Buffers.Binary;
using System.Text;

namespace InterCom.Core.Rtp;

/// <summary>Writes RTCP packets (RFC 3550 section 6.4, 6.6; RFC 4585 and 5104 feedback) into spans; packets written one after another form a compound packet.</summary>
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

    /// <summary>
    /// Writes a source description (RFC 3550 section 6.5) giving each of <paramref name="ssrcs"/> the same
    /// CNAME, which ties a sender's streams together; returns its length in bytes.
    /// </summary>
    /// <param name="destination">Room for 4 + per source 4 + the CNAME + 2, padded to 32 bits.</param>
    /// <param name="ssrcs">Up to 31 sources of one sender.</param>
    /// <param name="cname">The canonical name: at most 255 UTF-8 bytes.</param>
    public static int WriteSourceDescription(Span<byte> destination, ReadOnlySpan<uint> ssrcs, string cname)
    {
        ArgumentNullException.ThrowIfNull(cname);
        int nameBytes = Encoding.UTF8.GetByteCount(cname);
        if (nameBytes > 255)
        {
            throw new ArgumentException("A CNAME is at most 255 UTF-8 bytes.", nameof(cname));
        }

        int chunk = (4 + 2 + nameBytes + 1 + 3) & ~3; // SSRC, CNAME item, at least one null octet ending the list
        int length = 4 + (ssrcs.Length * chunk);
        WriteHeader(destination, RtcpPacketType.SourceDescription, ssrcs.Length, length);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            Span<byte> c = destination.Slice(4 + (i * chunk), chunk);
            c.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(c, ssrcs[i]);
            c[4] = 1; // CNAME
            c[5] = (byte)nameBytes;
            Encoding.UTF8.GetBytes(cname, c[6..]);
        }

        return length;
    }

    /// <summary>Feedback message type of a generic NACK (RFC 4585 section 6.2.1).</summary>
    public const int GenericNack = 1;

    /// <summary>Feedback message type of a picture loss indication (RFC 4585 section 6.3.1).</summary>
    public const int PictureLossIndication = 1;

    /// <summary>Feedback message type of a full intra request (RFC 5104 section 4.3.1).</summary>
    public const int FullIntraRequest = 4;

    /// <summary>
    /// Writes a generic NACK (RFC 4585) for the lost packets <paramref name="lost"/> of <paramref name="mediaSsrc"/>,
    /// as many PID/BLP items as they need (up to <paramref name="destination"/>'s room); returns its length in bytes.
    /// </summary>
    /// <param name="destination">Room for 12 + 4 × items bytes.</param>
    /// <param name="senderSsrc">Who asks.</param>
    /// <param name="mediaSsrc">The stream whose packets are lost.</param>
    /// <param name="lost">The lost sequence numbers, in increasing order (modulo 2^16).</param>
    public static int WriteNack(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        int items = 0;
        int offset = 12;
        for (int i = 0; i < lost.Length && offset + 4 <= destination.Length; items++, offset += 4)
        {
            ushort pid = lost[i++];
            ushort blp = 0;
            while (i < lost.Length && (ushort)(lost[i] - pid) is >= 1 and <= 16)
            {
                blp |= (ushort)(1 << ((ushort)(lost[i] - pid) - 1));
                i++;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
        }

        return WriteFeedbackHeader(destination, RtcpPacketType.TransportFeedback, GenericNack, senderSsrc, mediaSsrc, 12 + (4 * items));
    }

    /// <summary>Writes a picture loss indication (RFC 4585): <paramref name="mediaSsrc"/> should send a keyframe. Returns 12.</summary>
    /// <param name="destination">Room for 12 bytes.</param>
    /// <param name="senderSsrc">Who asks.</param>
    /// <param name="mediaSsrc">The video stream that cannot be decoded.</param>
    public static int WritePictureLossIndication(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
        => WriteFeedbackHeader(destination, RtcpPacketType.PayloadFeedback, PictureLossIndication, senderSsrc, mediaSsrc, 12);

    /// <summary>Writes a full intra request (RFC 5104) to <paramref name="mediaSsrc"/> with command number <paramref name="sequence"/>; returns 20.</summary>
    /// <param name="destination">Room for 20 bytes.</param>
    /// <param name="senderSsrc">Who asks.</param>
    /// <param name="mediaSsrc">The video stream that must send a keyframe.</param>
    /// <param name="sequence">The request's command sequence number (one more for each new request).</param>
    public static int WriteFullIntraRequest(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte sequence)
    {
        int length = WriteFeedbackHeader(destination, RtcpPacketType.PayloadFeedback, FullIntraRequest, senderSsrc, 0, 20);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], mediaSsrc);
        destination[16] = sequence;
        destination[17..20].Clear();
        return length;
    }

    private static int WriteFeedbackHeader(Span<byte> destination, RtcpPacketType type, int format, uint senderSsrc, uint mediaSsrc, int length)
    {
        WriteHeader(destination, type, format, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
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
