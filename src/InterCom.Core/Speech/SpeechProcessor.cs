using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Speech;

/// <summary>
/// libspeexdsp's echo canceller and preprocessor on mono blocks of 10 or 20 ms (<see cref="SpeechOptions.BlockDuration"/>): one block of the microphone and
/// the block played at the same time (the reference) in, the cleaned block out. The preprocessor
/// suppresses noise and the echo the linear filter left (linked to the canceller). Not thread-safe: one capture thread uses it. Allocates only when made.
/// </summary>
internal sealed unsafe class SpeechProcessor : IDisposable
{
    private const int ResidualEchoSuppressDb = -40;        // speexdsp's default, while only the far end talks
    private const int ResidualEchoSuppressActiveDb = -15;  // speexdsp's default, while the near end talks too
    private IntPtr _echo;
    private IntPtr _preprocess;
    private readonly short[] _mic;
    private readonly short[] _played;
    private readonly short[] _out;

    public SpeechProcessor(int sampleRate, bool echoCancellation, SpeechOptions options, bool noiseSuppression)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        SpeexDspLibrary.EnsureUsable();
        BlockSamples = (int)Math.Round(sampleRate * options.BlockDuration.TotalSeconds);
        (_mic, _played, _out) = (new short[BlockSamples], new short[BlockSamples], new short[BlockSamples]);
        EchoCancellation = echoCancellation;
        int rate = sampleRate;
        if (echoCancellation)
        {
            int tail = (int)Math.Round(options.EchoTail.TotalSeconds * sampleRate);
            _echo = SpeexDsp.EchoStateInit(BlockSamples, tail);
            _ = SpeexDsp.EchoCtl(_echo, SpeexDsp.EchoSetSamplingRate, &rate); // its default is 8 kHz, which removes near-end speech
        }

        // The preprocessor runs whenever something needs it: the residual echo suppression only acts through its denoiser.
        bool residual = echoCancellation && options.ResidualEchoSuppression;
        if (residual || noiseSuppression || options.AutomaticGainControl)
        {
            _preprocess = SpeexDsp.PreprocessStateInit(BlockSamples, sampleRate);
            int on = 1, off = 0;
            int noise = noiseSuppression ? -options.NoiseSuppressionDb : 0;
            _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetDenoise, &on);
            _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetNoiseSuppress, &noise);
            _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetAgc, options.AutomaticGainControl ? &on : &off);
            if (residual)
            {
                int suppress = ResidualEchoSuppressDb, active = ResidualEchoSuppressActiveDb;
                _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetEchoSuppress, &suppress);
                _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetEchoSuppressActive, &active);
                _ = SpeexDsp.PreprocessCtl(_preprocess, SpeexDsp.PreprocessSetEchoState, (void*)_echo);
            }
        }
    }

    /// <summary>Samples in a block: 10 or 20 ms.</summary>
    public int BlockSamples { get; }

    /// <summary>Whether the echo canceller runs.</summary>
    public bool EchoCancellation { get; }

    /// <summary>How much later a sound leaves than it came in, samples: the preprocessor's overlap of one block.</summary>
    public int DelaySamples => _preprocess != IntPtr.Zero ? BlockSamples : 0;

    /// <summary>Processes one block: <paramref name="microphone"/> and <paramref name="played"/> (ignored without echo cancellation) in, <paramref name="output"/> out (may be the microphone's span).</summary>
    public void Process(ReadOnlySpan<float> microphone, ReadOnlySpan<float> played, Span<float> output)
    {
        ToInt16(microphone, _mic);
        fixed (short* mic = _mic, far = _played, cleaned = _out)
        {
            short* result = mic;
            if (EchoCancellation)
            {
                ToInt16(played, _played);
                SpeexDsp.EchoCancellation(_echo, mic, far, cleaned);
                result = cleaned;
            }

            if (_preprocess != IntPtr.Zero)
            {
                _ = SpeexDsp.PreprocessRun(_preprocess, result);
            }

            var samples = new ReadOnlySpan<short>(result, BlockSamples);
            for (int i = 0; i < samples.Length; i++)
            {
                output[i] = samples[i] / 32768f;
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _preprocess, IntPtr.Zero) is var preprocess && preprocess != IntPtr.Zero)
        {
            SpeexDsp.PreprocessStateDestroy(preprocess);
        }

        if (Interlocked.Exchange(ref _echo, IntPtr.Zero) is var echo && echo != IntPtr.Zero)
        {
            SpeexDsp.EchoStateDestroy(echo);
        }
    }

    private static void ToInt16(ReadOnlySpan<float> source, short[] destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (short)Math.Clamp(MathF.Round(source[i] * 32768f), short.MinValue, short.MaxValue);
        }
    }
}
