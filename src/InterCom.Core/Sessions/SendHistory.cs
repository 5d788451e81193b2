using System.Buffers.Binary;

namespace InterCom.Core.Sessions;

/// <summary>
/// The last packets of one of our streams, unprotected, by sequence number: what a generic NACK (RFC 4585)
/// asks to have again. Fixed slots reused in turn, so nothing is allocated per packet; a packet older than
/// <see cref="MaxAge"/> is not sent again (its frame is past showing).
/// </summary>
internal sealed class SendHistory
{
    public const int Slots = 512;                 // about 1.5 s of 640×360 video at 1 Mb/s
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly byte[][] _packets = new byte[Slots][];
    private readonly int[] _lengths = new int[Slots];
    private readonly long[] _sentTicks = new long[Slots];
    private readonly int[] _sequences = new int[Slots];
    private readonly long[] _resentTicks = new long[Slots];
    private readonly Lock _gate = new();          // the sending thread stores, the receive thread looks up
    private readonly TimeProvider _time;

    public SendHistory(int maxPacket, TimeProvider time)
    {
        _time = time;
        for (int i = 0; i < Slots; i++)
        {
            _packets[i] = new byte[maxPacket];
            _sequences[i] = -1;
        }
    }

    /// <summary>Keeps a copy of <paramref name="packet"/> (an RTP packet in the clear).</summary>
    public void Store(ReadOnlySpan<byte> packet)
    {
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        int slot = seq % Slots;
        lock (_gate)
        {
            packet.CopyTo(_packets[slot]);
            _lengths[slot] = packet.Length;
            _sequences[slot] = seq;
            _sentTicks[slot] = _time.GetTimestamp();
            _resentTicks[slot] = 0;
        }
    }

    /// <summary>
    /// Copies packet <paramref name="seq"/> into <paramref name="destination"/> to be sent again; 0 when it is
    /// gone, too old, or was sent again less than <paramref name="spacing"/> ago (a NACK repeated before the
    /// first answer could arrive).
    /// </summary>
    public int TryCopy(ushort seq, Span<byte> destination, TimeSpan spacing)
    {
        int slot = seq % Slots;
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_sequences[slot] != seq || _time.GetElapsedTime(_sentTicks[slot], now) > MaxAge || destination.Length < _lengths[slot]
                || (_resentTicks[slot] != 0 && _time.GetElapsedTime(_resentTicks[slot], now) < spacing))
            {
                return 0;
            }

            _resentTicks[slot] = now;
            _packets[slot].AsSpan(0, _lengths[slot]).CopyTo(destination);
            return _lengths[slot];
        }
    }

    /// <summary>Forgets every packet (the stream took a new SSRC).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            Array.Fill(_sequences, -1);
        }
    }
}
