using System.Security.Cryptography;

namespace InterCom.Core.Rtp;

/// <summary>
/// Stamps outgoing frames with one sender's RTP header: a random SSRC, a random initial sequence
/// number and timestamp (RFC 3550 section 5.1), the timestamp advancing by the frame's samples, and
/// the marker bit on the first packet of a talkspurt.
/// </summary>
internal sealed class RtpPacketizer
{
    private ushort _sequence;
    private uint _timestamp;
    private bool _talkspurtStart = true;

    public RtpPacketizer(byte payloadType, uint? ssrc = null)
    {
        PayloadType = payloadType;
        Ssrc = ssrc ?? (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        _sequence = (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16);
        _timestamp = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    }

    public byte PayloadType { get; }

    public uint Ssrc { get; }

    public ushort NextSequenceNumber => _sequence;

    public uint NextTimestamp => _timestamp;

    /// <summary>Writes the header for the next frame into the first 12 bytes of <paramref name="packet"/> and advances.</summary>
    public void WriteHeader(Span<byte> packet, int frameSamples)
    {
        new RtpHeader(PayloadType, _sequence, _timestamp, Ssrc, _talkspurtStart).Write(packet);
        _talkspurtStart = false;
        _sequence++;
        _timestamp += (uint)frameSamples;
    }

    /// <summary>
    /// Writes the header of an RFC 3389 comfort noise packet of <paramref name="payloadType"/> standing for
    /// <paramref name="frameSamples"/> of silence (no marker: the next audio packet carries it) and advances.
    /// </summary>
    public void WriteComfortNoiseHeader(Span<byte> packet, byte payloadType, int frameSamples)
    {
        new RtpHeader(payloadType, _sequence, _timestamp, Ssrc, Marker: false).Write(packet);
        _talkspurtStart = true;
        _sequence++;
        _timestamp += (uint)frameSamples;
    }

    /// <summary>Lets <paramref name="samples"/> of silence pass without packets; the next packet starts a talkspurt.</summary>
    public void Skip(int samples)
    {
        _timestamp += (uint)samples;
        _talkspurtStart = true;
    }
}
