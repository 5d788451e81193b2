namespace InterCom.Core.Jitter;

/// <summary>
/// A histogram whose old entries fade with a time constant (of audio, not of wall time). Instead of
/// scaling every bin down per entry, each new entry weighs more than the last, and the bins are
/// rescaled only when the weight grows large: an update is O(1). Allocation-free after construction.
/// </summary>
/// <param name="bins">Number of bins.</param>
/// <param name="timeConstant">Audio after which an entry weighs 1/e of a new one.</param>
internal sealed class ForgettingHistogram(int bins, TimeSpan timeConstant)
{
    private readonly double[] _bins = new double[bins];
    private readonly double _timeConstantSamples = timeConstant.TotalSeconds * 48_000;
    private double _weight = 1;
    private double _total;
    private int _samples;
    private double _growth = 1;

    public int Bins => _bins.Length;

    /// <summary>Adds an entry in <paramref name="bin"/> for <paramref name="samples"/> of audio (the older entries fade by that much).</summary>
    public void Add(int bin, int samples)
    {
        if (samples != _samples)
        {
            _samples = samples;
            _growth = Math.Exp(samples / _timeConstantSamples);
        }

        _weight *= _growth;
        _bins[bin] += _weight;
        _total += _weight;
        if (_weight > 1e100)
        {
            for (int i = 0; i < _bins.Length; i++)
            {
                _bins[i] /= _weight;
            }

            _total /= _weight;
            _weight = 1;
        }
    }

    /// <summary>
    /// Moves every entry <paramref name="by"/> bins up (positive) or down (negative); what would leave
    /// the range stays in the last or the first bin.
    /// </summary>
    public void Shift(int by)
    {
        if (by < 0)
        {
            for (int i = 0; i < _bins.Length; i++)
            {
                Move(i, Math.Max(i + by, 0));
            }
        }
        else if (by > 0)
        {
            for (int i = _bins.Length - 1; i >= 0; i--)
            {
                Move(i, Math.Min(i + by, _bins.Length - 1));
            }
        }
    }

    /// <summary>The lower edge, in bins, of the bin where the cumulative weight from the bottom reaches <paramref name="q"/>.</summary>
    public int LowerQuantile(double q)
    {
        double wanted = q * _total;
        double sum = 0;
        for (int i = 0; i < _bins.Length; i++)
        {
            sum += _bins[i];
            if (sum > wanted)
            {
                return i;
            }
        }

        return _bins.Length - 1;
    }

    private void Move(int from, int to)
    {
        if (to != from)
        {
            _bins[to] += _bins[from];
            _bins[from] = 0;
        }
    }
}
