namespace InterCom.Core.Codecs;

/// <summary>
/// The receiver's half of comfort noise: white noise through the all-pole filter of the last RFC 3389
/// payload, at its level, so that a silent sender sounds like its room rather than a dead line. The
/// level never goes below <see cref="FloorLevel"/> (no hard digital silence). Playout side only;
/// allocation-free.
/// </summary>
internal sealed class ComfortNoiseGenerator
{
    /// <summary>The quietest noise played, −dBov: about one 16-bit step.</summary>
    public const int FloorLevel = 90;

    private const float GainSmoothing = 0.002f; // per sample: a new level settles over ~10 ms, without a step
    private readonly double[] _predictor = new double[ComfortNoisePayload.MaxOrder + 1];
    private readonly double[] _previous = new double[ComfortNoisePayload.MaxOrder + 1];
    private readonly double[] _history = new double[ComfortNoisePayload.MaxOrder];
    private int _order;
    private float _gain;
    private float _targetGain;
    private uint _random = 0x9E3779B9;

    /// <summary>Whether a payload set the noise (and nothing since turned it off).</summary>
    public bool Active { get; private set; }

    /// <summary>Takes a payload (valid by <see cref="ComfortNoisePayload.IsValid"/>): its level and spectrum from now on.</summary>
    public void Set(ReadOnlySpan<byte> payload)
    {
        int level = Math.Min(payload[0] & 0x7F, FloorLevel);
        _order = Math.Min(payload.Length - 1, ComfortNoisePayload.MaxOrder);
        Array.Clear(_predictor);
        _predictor[0] = 1;
        double residual = 1; // the prediction error's share of the power: Π(1 − k²)
        for (int i = 1; i <= _order; i++)
        {
            double k = ComfortNoisePayload.ReflectionOf(payload[i]);
            Array.Copy(_predictor, _previous, i);
            for (int j = 1; j < i; j++)
            {
                _predictor[j] = _previous[j] + (k * _previous[i - j]);
            }

            _predictor[i] = k;
            residual *= 1 - (k * k);
        }

        // Unit-variance excitation through 1/A(z) has the power 1/Π(1 − k²): scaled to the level's power.
        _targetGain = (float)Math.Sqrt(Math.Pow(10, -level / 10.0) * residual);
        if (!Active)
        {
            _gain = _targetGain;
            Array.Clear(_history);
        }

        Active = true;
    }

    /// <summary>Stops the noise: the sender went away without saying it was silent.</summary>
    public void Stop() => Active = false;

    /// <summary>Fills <paramref name="destination"/> (interleaved, <paramref name="channels"/> channels) with the noise.</summary>
    public void Generate(Span<float> destination, int channels)
    {
        for (int n = 0; n + channels <= destination.Length; n += channels)
        {
            _gain += GainSmoothing * (_targetGain - _gain);
            double y = _gain * NextUniform();
            for (int j = 1; j <= _order; j++)
            {
                y -= _predictor[j] * _history[j - 1];
            }

            for (int j = _order - 1; j > 0; j--)
            {
                _history[j] = _history[j - 1];
            }

            if (_order > 0)
            {
                _history[0] = y;
            }

            float sample = (float)y;
            for (int c = 0; c < channels; c++)
            {
                destination[n + c] = sample;
            }
        }
    }

    /// <summary>Uniform noise of unit variance (xorshift32: cheap, and deterministic for tests).</summary>
    private double NextUniform()
    {
        _random ^= _random << 13;
        _random ^= _random >> 17;
        _random ^= _random << 5;
        return ((_random / (double)uint.MaxValue) - 0.5) * 3.4641016151377544; // √12: unit variance
    }
}
