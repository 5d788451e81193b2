namespace InterCom.Core.Jitter;

/// <summary>
/// The playout side's packets by extended sequence number: a ring of <see cref="Capacity"/> preallocated
/// slots, each holding one payload. Placing swaps buffers with the mailbox entry instead of copying.
/// One thread at a time (the one that reads); allocation-free.
/// </summary>
internal sealed class PacketSlots
{
    internal const int Capacity = 256;          // 640 ms at 2.5 ms frames, 5 s at 20 ms
    private readonly Slot[] _slots = new Slot[Capacity];

    public PacketSlots(int maxPayload)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(maxPayload);
        }
    }

    /// <summary>Whether the packet <paramref name="sequence"/> is here.</summary>
    public bool Holds(long sequence) => this[sequence].Sequence == sequence;

    /// <summary>The slot <paramref name="sequence"/> maps to (which may hold another packet, or none).</summary>
    public Slot this[long sequence] => _slots[sequence & (Capacity - 1)];

    /// <summary>Puts a handed-over packet in its slot (unmeasured), taking its buffer in exchange for the slot's.</summary>
    public void Place(PacketMailbox.Entry packet)
    {
        Slot slot = this[packet.Sequence];
        (slot.Data, packet.Data) = (packet.Data, slot.Data); // both the same size: a swap, not a copy
        slot.Sequence = packet.Sequence;
        slot.Length = packet.Length;
        slot.Arrival = packet.Arrival;
        slot.ComfortNoise = packet.ComfortNoise;
        slot.Measured = false;
    }

    /// <summary>Empties the slot of <paramref name="sequence"/>; whether a packet was there.</summary>
    public bool Remove(long sequence)
    {
        Slot slot = this[sequence];
        if (slot.Sequence != sequence)
        {
            return false;
        }

        slot.Sequence = -1;
        return true;
    }

    /// <summary>Empties every slot from <paramref name="first"/> on (a talkspurt starting over).</summary>
    public void Clear(long first)
    {
        for (long s = first; s < first + Capacity; s++)
        {
            this[s].Sequence = -1;
        }
    }

    /// <summary>Marks the packets from <paramref name="first"/> to <paramref name="last"/> as measured.</summary>
    public void MarkMeasured(long first, long last)
    {
        for (long seq = first; seq <= last; seq++)
        {
            this[seq].Measured = true;
        }
    }

    /// <summary>One packet's place: its payload, when it arrived, and whether its spare was measured.</summary>
    internal sealed class Slot(int capacity)
    {
        public byte[] Data = new byte[capacity];
        public long Sequence = -1;
        public int Length;
        public long Arrival;
        public bool Measured;
        public bool ComfortNoise;

        public ReadOnlySpan<byte> Payload => Data.AsSpan(0, Length);
    }
}
