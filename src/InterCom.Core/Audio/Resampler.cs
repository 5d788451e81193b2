using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Audio;

/// <summary>
/// libspeexdsp's resampler on interleaved float samples (quality 5: its delay is about 1 ms, below
/// hearing any aliasing on speech). Not thread-safe; allocates only when made.
/// </summary>
internal sealed unsafe class Resampler : IDisposable
{
    private const int Quality = 5;
    private IntPtr _state;

    /// <summary>Makes a resampler from <paramref name="inputRate"/> to <paramref name="outputRate"/>; <paramref name="skipDelay"/> drops its filter's start-up delay (for files; a live stream keeps it steady instead).</summary>
    public Resampler(int channels, int inputRate, int outputRate, bool skipDelay)
    {
        Speech.SpeexDspLibrary.EnsureUsable();
        Channels = channels;
        int error = 0;
        _state = SpeexDsp.ResamplerInit((uint)channels, (uint)inputRate, (uint)outputRate, Quality, &error);
        if (_state == IntPtr.Zero || error != 0)
        {
            throw new ArgumentException($"libspeexdsp cannot resample {inputRate} Hz to {outputRate} Hz (error {error}).");
        }

        if (skipDelay)
        {
            _ = SpeexDsp.ResamplerSkipZeros(_state);
        }

        Delay = TimeSpan.FromSeconds(SpeexDsp.ResamplerGetOutputLatency(_state) / (double)outputRate);
    }

    public int Channels { get; }

    /// <summary>What the filter delays a live stream by (a file's start-up delay skipped or not).</summary>
    public TimeSpan Delay { get; private set; }

    /// <summary>Converts as much of <paramref name="input"/> as fits in <paramref name="output"/>; says how many samples (not frames) of each it used.</summary>
    public (int Consumed, int Produced) Process(ReadOnlySpan<float> input, Span<float> output)
    {
        uint inFrames = (uint)(input.Length / Channels), outFrames = (uint)(output.Length / Channels);
        fixed (float* i = input, o = output)
        {
            _ = SpeexDsp.ResamplerProcessInterleavedFloat(_state, i, &inFrames, o, &outFrames);
        }

        return ((int)inFrames * Channels, (int)outFrames * Channels);
    }

    public void Dispose()
    {
        if (_state != IntPtr.Zero)
        {
            SpeexDsp.ResamplerDestroy(_state);
            _state = IntPtr.Zero;
        }
    }
}
