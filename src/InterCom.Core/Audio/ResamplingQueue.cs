namespace InterCom.Core.Audio;

/// <summary>
/// Samples at one rate in, the same audio at another out, queued: what a pipeline thread reads from a
/// device at another rate than the call's. Allocates only when made.
/// </summary>
internal sealed class ResamplingQueue : IDisposable
{
    private readonly Resampler _resampler;
    private readonly float[] _queue;
    private int _count;

    /// <summary>A queue from <paramref name="inputRate"/> to <paramref name="outputRate"/> holding at most <paramref name="capacity"/> interleaved samples of <paramref name="channels"/> channels.</summary>
    public ResamplingQueue(int channels, int inputRate, int outputRate, int capacity)
    {
        _resampler = new Resampler(channels, inputRate, outputRate, skipDelay: false);
        _queue = new float[capacity];
    }

    /// <summary>Samples queued, interleaved.</summary>
    public int Count => _count;

    /// <summary>What the resampling delays the audio by.</summary>
    public TimeSpan Delay => _resampler.Delay;

    /// <summary>Resamples <paramref name="input"/> onto the queue (what does not fit is dropped: the reader fell far behind).</summary>
    public void Push(ReadOnlySpan<float> input)
    {
        while (!input.IsEmpty && _count < _queue.Length)
        {
            (int used, int produced) = _resampler.Process(input, _queue.AsSpan(_count));
            _count += produced;
            input = input[used..];
            if (used == 0)
            {
                break;
            }
        }
    }

    /// <summary>Takes <c>destination.Length</c> samples off the front (the caller made sure they are there); how many were taken.</summary>
    public int Pop(Span<float> destination)
    {
        int n = Math.Min(destination.Length, _count);
        _queue.AsSpan(0, n).CopyTo(destination);
        _queue.AsSpan(n, _count - n).CopyTo(_queue);
        _count -= n;
        return n;
    }

    public void Dispose() => _resampler.Dispose();
}
