namespace InterCom.Core.Audio;

/// <summary>
/// A renderer at the call's rate played by a device at another: each callback renders what the
/// device period needs at the call's rate (and keeps the frame or two the filter did not take for the
/// next) and resamples it into the device's buffer. On the callback: allocates, locks and blocks nothing.
/// </summary>
internal sealed class ResamplingRenderer : IAudioRenderer, IDisposable
{
    private readonly Resampler _resampler;
    private readonly float[] _rendered;
    private readonly double _ratio; // call samples per device sample
    private readonly int _channels;
    private int _offset;
    private int _count;
    private IAudioRenderer? _inner;

    public ResamplingRenderer(int channels, int callRate, int deviceRate, int maxDeviceSamples)
    {
        _channels = channels;
        _ratio = callRate / (double)deviceRate;
        _resampler = new Resampler(channels, callRate, deviceRate, skipDelay: false);
        _rendered = new float[((int)Math.Ceiling(maxDeviceSamples * _ratio) + (4 * channels)) + channels];
    }

    /// <summary>What the resampling adds to the playback delay.</summary>
    public TimeSpan Delay => _resampler.Delay;

    /// <summary>The renderer at the call's rate; <see langword="null"/>: silence.</summary>
    public IAudioRenderer? Inner
    {
        get => Volatile.Read(ref _inner);
        set => Volatile.Write(ref _inner, value);
    }

    public void Render(Span<float> destination)
    {
        if (Inner is not { } inner)
        {
            destination.Clear();
            return;
        }

        int filled = 0;
        while (filled < destination.Length)
        {
            if (_count == 0)
            {
                int wanted = (int)Math.Ceiling((destination.Length - filled) / _channels * _ratio) + 1;
                int samples = Math.Min(wanted * _channels, _rendered.Length);
                inner.Render(_rendered.AsSpan(0, samples));
                (_offset, _count) = (0, samples);
            }

            (int used, int produced) = _resampler.Process(_rendered.AsSpan(_offset, _count), destination[filled..]);
            (_offset, _count) = (_offset + used, _count - used);
            filled += produced;
            if (used == 0 && produced == 0)
            {
                destination[filled..].Clear(); // never seen: the filter always takes input or gives output
                return;
            }
        }
    }

    public void Dispose() => _resampler.Dispose();
}
