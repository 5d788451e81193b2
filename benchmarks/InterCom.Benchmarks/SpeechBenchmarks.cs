using BenchmarkDotNet.Attributes;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Speech;

namespace InterCom.Benchmarks;

/// <summary>
/// The speech chain's stages on a 48 kHz mono stream: the echo canceller with its preprocessor, each
/// part alone, on one 20 ms block (the default; 20 µs per block is 0.1 % of a core), and voice activity,
/// comfort noise and a device's resampling on one 10 ms frame (10 µs: 0.1 %). Each checks that it did something.
/// </summary>
public class SpeechBenchmarks
{
    private const int Block = 960;  // the chain's default 20 ms
    private const int Frame = 480;  // a codec frame of 10 ms
    private readonly float[] _mic = new float[Block];
    private readonly float[] _played = new float[Block];
    private readonly float[] _out = new float[Block];
    private readonly float[] _device = new float[441];
    private readonly byte[] _noise = new byte[ComfortNoisePayload.Length];
    private SpeechProcessor _processor = null!;
    private VoiceActivityDetector _activity = null!;
    private ComfortNoiseAnalyzer _analyzer = null!;
    private ComfortNoiseGenerator _generator = null!;
    private Resampler _resampler = null!;
    private int _block;

    /// <summary>Which part of the chain runs.</summary>
    public enum Stage
    {
        /// <summary>Echo canceller (200 ms tail), residual echo and noise suppression: the default with two devices.</summary>
        EchoAndSuppression,

        /// <summary>The linear echo canceller alone.</summary>
        EchoLinear,

        /// <summary>Noise suppression alone (no canceller).</summary>
        NoiseSuppression,
    }

    [Params(Stage.EchoAndSuppression, Stage.EchoLinear, Stage.NoiseSuppression)]
    public Stage Chain { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (int i = 0; i < Block; i++)
        {
            _played[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 48_000));
            _mic[i] = (0.5f * _played[i]) + (float)((random.NextDouble() - 0.5) * 0.003);
        }

        bool echo = Chain != Stage.NoiseSuppression;
        _processor = new SpeechProcessor(48_000, echo, new SpeechOptions { ResidualEchoSuppression = Chain == Stage.EchoAndSuppression }, noiseSuppression: Chain != Stage.EchoLinear);
        _activity = new VoiceActivityDetector(TimeSpan.FromMilliseconds(10));
        _analyzer = new ComfortNoiseAnalyzer(channels: 1);
        _generator = new ComfortNoiseGenerator();
        _resampler = new Resampler(1, 44_100, 48_000, skipDelay: false);
        for (int i = 0; i < 100; i++)
        {
            _ = Process(); // two seconds: the filter has learnt the path
        }

        if (echo && Rms(_out) > 0.5 * Rms(_mic))
        {
            throw new InvalidOperationException($"The canceller took out less than 6 dB of a pure echo: {Rms(_out):F4} of {Rms(_mic):F4}.");
        }

        _analyzer.Add(_mic.AsSpan(0, Frame));
        if (_analyzer.Write(_noise) != ComfortNoisePayload.Length)
        {
            throw new InvalidOperationException("No comfort noise payload.");
        }

        _generator.Set(_noise);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _processor.Dispose();
        _resampler.Dispose();
    }

    [Benchmark]
    public float Process()
    {
        _processor.Process(_mic, _played, _out);
        return _out[_block++ % Block];
    }

    [Benchmark]
    public bool VoiceActivity() => _activity.Next(_mic.AsSpan(0, Frame));

    [Benchmark]
    public int ComfortNoiseAnalysis()
    {
        _analyzer.Add(_mic.AsSpan(0, Frame));
        return _analyzer.Write(_noise);
    }

    [Benchmark]
    public float ComfortNoise()
    {
        _generator.Generate(_out.AsSpan(0, Frame), channels: 1);
        return _out[7];
    }

    [Benchmark]
    public int Resample44100To48000() => _resampler.Process(_device, _out).Produced;

    private static double Rms(float[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);
}
