namespace InterCom.Core.Codecs;

/// <summary>
/// The sender's half of comfort noise: the background's level and spectral envelope, averaged over the
/// frames the voice activity detector found silent, as an RFC 3389 payload. Allocates only when made.
/// </summary>
internal sealed class ComfortNoiseAnalyzer
{
    private const double Smoothing = 0.2;            // each silent frame's weight: about 5 frames' memory
    private const double WhiteNoiseCorrection = 1.0001; // R0 raised a hair: the recursion stays stable on a pure tone
    private readonly double[] _autocorrelation = new double[ComfortNoisePayload.Order + 1];
    private readonly double[] _frame = new double[ComfortNoisePayload.Order + 1];
    private readonly double[] _reflection = new double[ComfortNoisePayload.Order];
    private readonly double[] _predictor = new double[ComfortNoisePayload.Order + 1];
    private readonly double[] _previous = new double[ComfortNoisePayload.Order + 1];
    private readonly int _channels;
    private bool _any;

    public ComfortNoiseAnalyzer(int channels) => _channels = channels;

    /// <summary>Takes one silent frame (interleaved; the first channel is analysed).</summary>
    public void Add(ReadOnlySpan<float> frame)
    {
        int samples = frame.Length / _channels;
        if (samples <= ComfortNoisePayload.Order)
        {
            return;
        }

        for (int lag = 0; lag <= ComfortNoisePayload.Order; lag++)
        {
            double sum = 0;
            for (int n = lag; n < samples; n++)
            {
                sum += frame[n * _channels] * (double)frame[(n - lag) * _channels];
            }

            _frame[lag] = sum / samples;
        }

        for (int lag = 0; lag <= ComfortNoisePayload.Order; lag++)
        {
            _autocorrelation[lag] = _any ? _autocorrelation[lag] + (Smoothing * (_frame[lag] - _autocorrelation[lag])) : _frame[lag];
        }

        _any = true;
    }

    /// <summary>Writes the payload for the noise heard so far; the bytes written (<see cref="ComfortNoisePayload.Length"/>).</summary>
    public int Write(Span<byte> destination)
    {
        double power = _autocorrelation[0];
        int level = power > 0 ? (int)Math.Round(-10 * Math.Log10(power)) : ComfortNoisePayload.SilentLevel;
        Array.Clear(_reflection);
        if (power > 0)
        {
            Reflection(_autocorrelation, _reflection);
        }

        return ComfortNoisePayload.Write(destination, level, _reflection);
    }

    /// <summary>Levinson-Durbin: the reflection coefficients of the autocorrelation <paramref name="r"/> (A(z) = 1 + Σ a_j z^−j).</summary>
    private void Reflection(double[] r, double[] k)
    {
        Array.Clear(_predictor);
        _predictor[0] = 1;
        double error = r[0] * WhiteNoiseCorrection;
        for (int i = 1; i <= ComfortNoisePayload.Order && error > 0; i++)
        {
            double acc = r[i];
            for (int j = 1; j < i; j++)
            {
                acc += _predictor[j] * r[i - j];
            }

            double ki = Math.Clamp(-acc / error, -0.999, 0.999);
            k[i - 1] = ki;
            Array.Copy(_predictor, _previous, i);
            for (int j = 1; j < i; j++)
            {
                _predictor[j] = _previous[j] + (ki * _previous[i - j]);
            }

            _predictor[i] = ki;
            error *= 1 - (ki * ki);
        }
    }
}
