namespace InterCom.Core.Jitter;

/// <summary>
/// Lock-free single-producer/single-consumer queue of packets: the receive thread hands packets to
/// the playout side (a playout thread, or a device's audio callback) without either ever waiting for
/// the other. Entries are preallocated; the consumer may swap an entry's buffer for one of its own of
/// the same size instead of copying. A packet that does not fit is refused (the caller counts it).
/// </summary>
internal sealed class PacketMailbox
{
    private readonly Entry[] _entries;
    private readonly int _mask;
    private long _written; // only the producer writes it
    private long _read;    // only the consumer writes it

    /// <param name="capacity">Entries, rounded up to a power of two.</param>
    /// <param name="maxPayload">The largest payload an entry holds.</param>
    public PacketMailbox(int capacity, int maxPayload)
    {
        _entries = new Entry[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity)];
        _mask = _entries.Length - 1;
        for (int i = 0; i < _entries.Length; i++)
        {
            _entries[i] = new Entry(maxPayload);
        }
    }

    /// <summary>Producer: queues a packet; <see langword="false"/> when the queue is full.</summary>
    public bool TryWrite(long sequence, int frameSamples, long arrival, ReadOnlySpan<byte> payload, bool comfortNoise = false)
    {
        long written = _written;
        if (written - Volatile.Read(ref _read) >= _entries.Length)
        {
            return false;
        }

        Entry entry = _entries[written & _mask];
        payload.CopyTo(entry.Data);
        entry.Length = payload.Length;
        entry.Sequence = sequence;
        entry.FrameSamples = frameSamples;
        entry.Arrival = arrival;
        entry.ComfortNoise = comfortNoise;
        Volatile.Write(ref _written, written + 1);
        return true;
    }

    /// <summary>Consumer: the oldest queued packet, or <see langword="null"/>; it stays the consumer's until <see cref="Advance"/>.</summary>
    public Entry? Peek() => _read == Volatile.Read(ref _written) ? null : _entries[_read & _mask];

    /// <summary>Consumer: releases the entry <see cref="Peek"/> returned.</summary>
    public void Advance() => Volatile.Write(ref _read, _read + 1);

    /// <summary>One queued packet.</summary>
    public sealed class Entry(int capacity)
    {
        /// <summary>The payload's buffer (its first <see cref="Length"/> bytes); the consumer may swap it for another of the same size.</summary>
        public byte[] Data = new byte[capacity];

        public int Length;

        /// <summary>Extended sequence number.</summary>
        public long Sequence;

        /// <summary>Samples per channel the payload decodes to.</summary>
        public int FrameSamples;

        /// <summary>When it arrived, in 48 kHz units.</summary>
        public long Arrival;

        /// <summary>An RFC 3389 comfort noise payload (the sender fell silent), not audio.</summary>
        public bool ComfortNoise;
    }
}
