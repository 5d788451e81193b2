using System.Buffers.Binary;

namespace InterCom.Core.Rtp;

/// <summary>
/// Walks the packets of a compound RTCP datagram (RFC 3550 section 6.1), checking each before handing
/// it out: version 2, a length inside the datagram, valid padding, and enough room for the report
/// blocks or sources its count announces. It never throws on bad input: it stops and sets
/// <see cref="IsMalformed"/>.
/// </summary>
public ref struct RtcpCompoundReader
{
    private ReadOnlySpan<byte> _remaining;

    /// <summary>Starts reading <paramref name="datagram"/>.</summary>
    public RtcpCompoundReader(ReadOnlySpan<byte> datagram)
    {
        _remaining = datagram;
        IsMalformed = datagram.Length < 4;
    }

    /// <summary>Whether reading stopped at a packet that is not valid RTCP (the packets before it were valid).</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Reads the next packet; <see langword="false"/> at the end or at a malformed packet.</summary>
    public bool TryReadNext(out RtcpPacket packet)
    {
        packet = default;
        if (IsMalformed || _remaining.IsEmpty)
        {
            return false;
        }

        if (_remaining.Length < 4 || (_remaining[0] >> 6) != 2)
        {
            return Fail();
        }

        int length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(_remaining[2..]) + 1);
        if (length > _remaining.Length)
        {
            return Fail();
        }

        bool padding = (_remaining[0] & 0x20) != 0;
        int count = _remaining[0] & 0x1F;
        byte type = _remaining[1];
        ReadOnlySpan<byte> body = _remaining[4..length];
        if (padding)
        {
            int pad = _remaining[length - 1];
            if (pad == 0 || pad > body.Length)
            {
                return Fail();
            }

            body = body[..^pad];
        }

        int needed = type switch
        {
            (byte)RtcpPacketType.SenderReport => 4 + RtcpSenderInfo.Size + (count * RtcpReportBlock.Size),
            (byte)RtcpPacketType.ReceiverReport => 4 + (count * RtcpReportBlock.Size),
            (byte)RtcpPacketType.Goodbye => 4 * count,
            (byte)RtcpPacketType.SourceDescription or (byte)RtcpPacketType.ApplicationDefined => count == 0 ? 0 : 4,
            (byte)RtcpPacketType.TransportFeedback or (byte)RtcpPacketType.PayloadFeedback => 8,
            _ => 0,
        };
        if (body.Length < needed || type < 192 || type > 223)
        {
            return Fail();
        }

        packet = new RtcpPacket(type, count, body);
        _remaining = _remaining[length..];
        return true;
    }

    private bool Fail()
    {
        IsMalformed = true;
        _remaining = default;
        return false;
    }
}
