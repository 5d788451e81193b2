using System.Buffers.Binary;

namespace InterCom.Core.Rtp;

/// <summary>
/// The fixed RTP header (RFC 3550 section 5.1) of a parsed or to-be-written packet. The parser accepts
/// CSRC lists, a header extension and padding and reports where the payload lies; the writer writes the
/// 12-byte fixed header only.
/// </summary>
/// <param name="PayloadType">Payload type, 0..127.</param>
/// <param name="SequenceNumber">16-bit sequence number.</param>
/// <param name="Timestamp">Media timestamp in clock-rate units (48 kHz for audio here).</param>
/// <param name="Ssrc">Synchronization source identifier.</param>
/// <param name="Marker">The marker bit: start of a talkspurt for audio.</param>
public readonly record struct RtpHeader(byte PayloadType, ushort SequenceNumber, uint Timestamp, uint Ssrc, bool Marker)
{
    /// <summary>Size of the fixed header: 12 bytes.</summary>
    public const int FixedSize = 12;

    /// <summary>RTP version 2.</summary>
    public const int Version = 2;

    /// <summary>
    /// Parses <paramref name="datagram"/> as an RTP packet. Returns <see langword="false"/> (never throws)
    /// when it is too short, not version 2, an RTCP packet (RFC 5761 demultiplexing: payload type 72..76
    /// with the marker bit, i.e. second byte 200..204), or when its CSRC count, extension length or padding
    /// point outside the datagram.
    /// </summary>
    /// <param name="datagram">One UDP payload.</param>
    /// <param name="header">The fixed header fields.</param>
    /// <param name="payloadOffset">Where the payload starts.</param>
    /// <param name="payloadLength">Payload length, padding excluded (may be 0).</param>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out RtpHeader header, out int payloadOffset, out int payloadLength)
    {
        header = default;
        payloadOffset = 0;
        payloadLength = 0;
        int offset = HeaderLength(datagram);
        if (offset < 0)
        {
            return false;
        }

        bool padding = (datagram[0] & 0x20) != 0;
        int end = datagram.Length;
        if (padding)
        {
            int count = datagram[^1];
            if (count == 0 || offset + count > end)
            {
                return false;
            }

            end -= count;
        }

        header = new RtpHeader(
            (byte)(datagram[1] & 0x7F),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            (datagram[1] & 0x80) != 0);
        payloadOffset = offset;
        payloadLength = end - offset;
        return true;
    }

    /// <summary>
    /// The length of the header (fixed part, CSRCs and extension): where the payload, or SRTP's encrypted
    /// part, begins; -1 when the datagram is no RTP packet or the header does not fit in it. Padding is
    /// not looked at (under SRTP it is encrypted).
    /// </summary>
    public static int HeaderLength(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < FixedSize || (datagram[0] >> 6) != Version || IsRtcp(datagram))
        {
            return -1;
        }

        int offset = FixedSize + (4 * (datagram[0] & 0x0F));
        if ((datagram[0] & 0x10) != 0)
        {
            if (offset + 4 > datagram.Length)
            {
                return -1;
            }

            offset += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]));
        }

        return offset <= datagram.Length ? offset : -1;
    }

    /// <summary>Whether <paramref name="datagram"/> looks like RTCP rather than RTP (RFC 5761 section 4).</summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram) => datagram.Length >= 2 && datagram[1] is >= 192 and <= 223;

    /// <summary>Writes the 12-byte fixed header (no CSRC, no extension, no padding); returns 12.</summary>
    /// <param name="destination">At least <see cref="FixedSize"/> bytes.</param>
    public int Write(Span<byte> destination)
    {
        if (destination.Length < FixedSize)
        {
            throw new ArgumentException($"An RTP header needs {FixedSize} bytes.", nameof(destination));
        }

        if (PayloadType > 127)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), PayloadType, "Payload type must be 0..127.");
        }

        destination[0] = Version << 6;
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        return FixedSize;
    }
}
