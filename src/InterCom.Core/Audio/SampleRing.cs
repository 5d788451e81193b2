namespace InterCom.Core.Audio;

/// <summary>
/// Lock-free single-producer/single-consumer ring of float samples: the only thing an audio callback
/// touches. Neither side allocates, locks or blocks; a write that does not fit is cut short (the caller
/// counts the overrun) and a read returns what is there (the caller counts the underrun).
/// </summary>
internal sealed class SampleRing
{
    private readonly float[] _buffer;
    private readonly int _mask;
    private long _written; // only the producer writes it
    private long _read;    // only the consumer writes it

    public SampleRing(int minimumCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumCapacity, 1);
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)minimumCapacity);
        _buffer = new float[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _buffer.Length;

    /// <summary>Samples ready to read (exact for the consumer, a lower bound for the producer).</summary>
    public int Count => (int)(Volatile.Read(ref _written) - Volatile.Read(ref _read));

    /// <summary>Copies as much of <paramref name="source"/> as fits; returns the number of samples written.</summary>
    public int Write(ReadOnlySpan<float> source)
    {
        long written = _written;
        int free = _buffer.Length - (int)(written - Volatile.Read(ref _read));
        int n = Math.Min(free, source.Length);
        int start = (int)(written & _mask);
        int first = Math.Min(n, _buffer.Length - start);
        source[..first].CopyTo(_buffer.AsSpan(start));
        source[first..n].CopyTo(_buffer);
        Volatile.Write(ref _written, written + n);
        return n;
    }

    /// <summary>Samples read since the ring was made (the consumer's position).</summary>
    public long ReadPosition => Volatile.Read(ref _read);

    /// <summary>Consumer side: drops samples up to <paramref name="position"/> (as far as they are written), to read in step with another ring.</summary>
    public void DiscardTo(long position)
    {
        long target = Math.Min(position, Volatile.Read(ref _written));
        if (target > _read)
        {
            Volatile.Write(ref _read, target);
        }
    }

    /// <summary>Consumer side: drops the oldest samples so that at most <paramref name="keep"/> remain.</summary>
    public void DiscardAllBut(int keep)
    {
        long read = _read;
        int available = (int)(Volatile.Read(ref _written) - read);
        if (available > keep)
        {
            Volatile.Write(ref _read, read + (available - keep));
        }
    }

    /// <summary>Copies up to <c>destination.Length</c> samples out; returns the number of samples read.</summary>
    public int Read(Span<float> destination)
    {
        long read = _read;
        int available = (int)(Volatile.Read(ref _written) - read);
        int n = Math.Min(available, destination.Length);
        int start = (int)(read & _mask);
        int first = Math.Min(n, _buffer.Length - start);
        _buffer.AsSpan(start, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        Volatile.Write(ref _read, read + n);
        return n;
    }
}
