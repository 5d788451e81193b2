using InterCom.Core.Audio;

namespace InterCom.Core.Testing;

/// <summary>
/// A speech-like test signal, the same for a given seed on every machine: words of two to four
/// syllables with pauses between them (about 70 % of the time voiced or fricative), each syllable a
/// short noise onset (a consonant) and a vowel: a glottal pulse train on a gliding pitch of 90 to 200 Hz
/// through three formant resonators. Unlike a tone, Opus codes it as speech (SILK or hybrid mode), so
/// its in-band FEC (LBRR) is in the packets: the source for measuring loss on speech.
/// Not real-time: the capture side paces it by the wall clock.
/// </summary>
public sealed class SpeechSource : IAudioSource
{
    /// <summary>Vowels as formant frequencies F1, F2, F3 in Hz (an adult speaker's /a e i o u/).</summary>
    private static readonly (double F1, double F2, double F3)[] s_vowels =
        [(730, 1090, 2440), (530, 1840, 2480), (270, 2290, 3010), (570, 840, 2410), (300, 870, 2240)];

    private readonly Random _random;
    private readonly int _channels;
    private readonly Resonator[] _formants = [new(), new(), new()];
    private readonly Resonator _fricative = new();
    private Segment _segment;
    private int _syllablesLeft;
    private double _glottalPhase;
    private double _envelope;
    private float _previousNoise;

    /// <summary>Creates the source.</summary>
    /// <param name="format">Output format (48 kHz, 1 or 2 channels: the same on each).</param>
    /// <param name="seed">Chooses the words; the same seed gives the same samples.</param>
    public SpeechSource(AudioFormat format, int seed = 1)
    {
        format.Validate(nameof(format));
        Format = format;
        _channels = format.Channels;
        _random = new Random(seed);
        _segment = NextSegment();
    }

    /// <inheritdoc/>
    public AudioFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    private enum Kind
    {
        Pause,
        Consonant,
        Vowel,
    }

    /// <summary>
    /// <paramref name="seconds"/> of the signal (mono, 48 kHz) from a new source of <paramref name="seed"/>:
    /// the reference a test compares what it heard with.
    /// </summary>
    /// <param name="seconds">How much, in seconds.</param>
    /// <param name="seed">As the constructor's.</param>
    public static float[] Generate(double seconds, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        using var source = new SpeechSource(AudioFormat.Mono48k, seed);
        var samples = new float[(int)(seconds * AudioFormat.CallSampleRate)];
        source.Read(samples, CancellationToken.None);
        return samples;
    }

    /// <inheritdoc/>
    public int Read(Span<float> destination, CancellationToken cancellationToken)
    {
        double rate = Format.SampleRate;
        for (int i = 0; i + _channels <= destination.Length; i += _channels)
        {
            if (_segment.Remaining-- <= 0)
            {
                _segment = NextSegment();
            }

            double progress = 1 - ((double)_segment.Remaining / _segment.Length);
            double value = 0;
            switch (_segment.Kind)
            {
                case Kind.Vowel:
                {
                    double pitch = _segment.PitchStart + ((_segment.PitchEnd - _segment.PitchStart) * progress);
                    _glottalPhase += pitch / rate;
                    double excitation = 0;
                    if (_glottalPhase >= 1)
                    {
                        _glottalPhase -= 1;
                        excitation = 1; // one glottal pulse per pitch period
                    }

                    double target = Math.Min(1, Math.Min(progress * 8, (1 - progress) * 5)); // a quick rise, a slower fall
                    _envelope += (target - _envelope) * 0.01;
                    value = _envelope * ((_formants[0].Next(excitation) * 1.0) + (_formants[1].Next(excitation) * 0.5) + (_formants[2].Next(excitation) * 0.25));
                    break;
                }

                case Kind.Consonant:
                {
                    float noise = (float)((_random.NextDouble() * 2) - 1);
                    double highPassed = noise - (0.9 * _previousNoise);
                    _previousNoise = noise;
                    double envelope = Math.Sin(Math.PI * progress);
                    value = 0.3 * envelope * _fricative.Next(highPassed);
                    _envelope = 0;
                    break;
                }

                default:
                    _envelope = 0;
                    break;
            }

            float sample = (float)Math.Clamp(value * 2.5, -0.9, 0.9);
            for (int c = 0; c < _channels; c++)
            {
                destination[i + c] = sample;
            }
        }

        return destination.Length - (destination.Length % _channels);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>The next pause, consonant or vowel: words of 2 to 4 syllables, 100 to 350 ms of pause between them.</summary>
    private Segment NextSegment()
    {
        int rate = Format.SampleRate;
        if (_segment.Kind == Kind.Consonant)
        {
            (double f1, double f2, double f3) = s_vowels[_random.Next(s_vowels.Length)];
            _formants[0].Tune(f1, 80, rate);
            _formants[1].Tune(f2, 120, rate);
            _formants[2].Tune(f3, 160, rate);
            double start = 90 + (_random.NextDouble() * 110);
            double end = Math.Clamp(start + ((_random.NextDouble() - 0.5) * 60), 90, 200);
            int length = (int)(rate * (0.12 + (_random.NextDouble() * 0.14)));
            return new Segment(Kind.Vowel, length, start, end);
        }

        if (_segment.Kind == Kind.Vowel && --_syllablesLeft <= 0)
        {
            int pause = (int)(rate * (0.10 + (_random.NextDouble() * 0.25)));
            return new Segment(Kind.Pause, pause, 0, 0);
        }

        if (_segment.Kind is Kind.Pause && _syllablesLeft <= 0)
        {
            _syllablesLeft = 2 + _random.Next(3);
        }

        _fricative.Tune(2500 + (_random.NextDouble() * 3000), 1500, rate);
        int consonant = (int)(rate * (0.02 + (_random.NextDouble() * 0.04)));
        return new Segment(Kind.Consonant, consonant, 0, 0);
    }

    private struct Segment(Kind kind, int length, double pitchStart, double pitchEnd)
    {
        public readonly Kind Kind = kind;
        public readonly int Length = length;
        public readonly double PitchStart = pitchStart;
        public readonly double PitchEnd = pitchEnd;
        public int Remaining = length;
    }

    /// <summary>A two-pole resonator at a centre frequency and bandwidth, gain normalised at the centre.</summary>
    private sealed class Resonator
    {
        private double _a1;
        private double _a2;
        private double _gain;
        private double _y1;
        private double _y2;

        public void Tune(double frequency, double bandwidth, int rate)
        {
            double r = Math.Exp(-Math.PI * bandwidth / rate);
            _a1 = 2 * r * Math.Cos(2 * Math.PI * frequency / rate);
            _a2 = -r * r;
            _gain = 1 - r;
        }

        public double Next(double x)
        {
            double y = (_gain * x) + (_a1 * _y1) + (_a2 * _y2);
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }
}
