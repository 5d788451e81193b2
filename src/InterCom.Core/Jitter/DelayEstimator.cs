namespace InterCom.Core.Jitter;

/// <summary>
/// Estimates how much delay a sender's packets need to arrive in time, the way WebRTC's NetEQ does:
/// each packet's relative delay (its transit time minus the fastest transit of the last 0.5 to 1
/// second, so that neither a drifting clock nor a lasting step counts as delay) goes into two histograms that forget
/// old packets, one over about 10 s and one over about half a second. When that fastest transit
/// moves (a sender's timestamps jumped after a device dropout, a route changed, a clock drifted),
/// the histograms move with it, so that a lasting shift of the whole stream is not taken for jitter. The estimate is the higher of
/// their 97th percentiles: it rises within a few packets when a jitter spike starts and falls over
/// several seconds when the network calms. Allocation-free; one instance per sender, used under the
/// jitter buffer's lock.
/// </summary>
internal sealed class DelayEstimator
{
    /// <summary>Histogram bin width: 1 ms at 48 kHz.</summary>
    private const int BinSamples = 48;
    private const double Quantile = 0.97;
    private const long FloorWindowSamples = 24_000; // the floor is the fastest transit of the last 0.5 to 1 s
    private const long SamplesBeforeEstimate = 2 * 48_000; // two seconds of a stream before its estimate counts
    private const int PacketsPerUpdate = 4;

    private readonly Histogram _slow;
    private readonly Histogram _fast;
    private long _transit;            // unwrapped: arrival − RTP timestamp, 48 kHz units
    private uint _lastRawTransit;
    private long _floor = long.MaxValue;
    private long _previousFloor = long.MaxValue;
    private long _floorWindowEnd;
    private long _binnedFloor = long.MaxValue; // the floor the histograms' entries are relative to
    private long _packets;
    private long _observedSamples;
    private int _sinceUpdate;
    private int _estimate;

    /// <param name="maxSamples">The largest delay the histograms tell apart (larger ones fall in the last bin).</param>
    public DelayEstimator(int maxSamples)
    {
        int bins = Math.Max(2, (maxSamples / BinSamples) + 1);
        _slow = new Histogram(bins, TimeSpan.FromSeconds(10));
        _fast = new Histogram(bins, TimeSpan.FromSeconds(0.5));
    }

    /// <summary>
    /// Whether two seconds of the stream were seen: before that, the histograms hold too few packets
    /// for a 97th percentile (a machine's first scheduling hiccups would not be in it yet), and the
    /// buffer keeps its configured starting target.
    /// </summary>
    public bool HasEstimate => _observedSamples >= SamplesBeforeEstimate;

    /// <summary>The delay, in 48 kHz samples, that 97 % of recent packets needed (1 ms on a perfect network: a bin's upper edge).</summary>
    public int EstimateSamples => _estimate;

    /// <summary>Takes one packet (not duplicates): its RTP timestamp, its arrival on the 48 kHz clock, its duration.</summary>
    public void Add(uint timestamp, long arrival, int frameSamples)
    {
        uint raw = unchecked((uint)arrival - timestamp);
        _transit = _packets == 0 ? 0 : _transit + unchecked((int)(raw - _lastRawTransit));
        _lastRawTransit = raw;
        _packets++;
        _observedSamples += frameSamples;

        if (arrival >= _floorWindowEnd)
        {
            _previousFloor = _floor;
            _floor = long.MaxValue;
            _floorWindowEnd = arrival + FloorWindowSamples;
        }

        _floor = Math.Min(_floor, _transit);
        long floor = Math.Min(_floor, _previousFloor);
        if (_binnedFloor == long.MaxValue)
        {
            _binnedFloor = floor;
        }
        else if (floor - _binnedFloor >= BinSamples)
        {
            // The whole stream became later (the fastest packets of the last seconds are slower than
            // before): what the histograms hold overstates the jitter by that much.
            int bins = (int)Math.Min((floor - _binnedFloor) / BinSamples, _slow.Bins);
            _slow.Shift(-bins);
            _fast.Shift(-bins);
            _binnedFloor += (long)bins * BinSamples;
        }
        else if (floor < _binnedFloor)
        {
            // Faster packets: measure from them on. The past is not raised: it was the jitter then,
            // and a buffer that waits for it again would only add delay now that the path is fast.
            _binnedFloor = floor;
        }

        long relative = Math.Max(0, _transit - _binnedFloor);
        int bin = (int)Math.Min(relative / BinSamples, _slow.Bins - 1);
        _slow.Add(bin, frameSamples);
        _fast.Add(bin, frameSamples);
        if (++_sinceUpdate >= PacketsPerUpdate)
        {
            _sinceUpdate = 0;
            _estimate = Math.Max(_slow.Quantile(Quantile), _fast.Quantile(Quantile)) * BinSamples;
        }
    }

    /// <summary>
    /// A histogram whose old entries fade with a time constant. Instead of scaling every bin down per
    /// packet, each new packet weighs more than the last (weight / forgetting factor), and the bins are
    /// rescaled only when the weight grows large.
    /// </summary>
    private sealed class Histogram(int bins, TimeSpan timeConstant)
    {
        private readonly double[] _bins = new double[bins];
        private readonly double _timeConstantSamples = timeConstant.TotalSeconds * 48_000;
        private double _weight = 1;
        private double _total;
        private int _frameSamples;
        private double _growth = 1;

        public int Bins => _bins.Length;

        public void Add(int bin, int frameSamples)
        {
            if (frameSamples != _frameSamples)
            {
                _frameSamples = frameSamples;
                _growth = Math.Exp(frameSamples / _timeConstantSamples);
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

        /// <summary>Moves every entry <paramref name="bins"/> bins down (a negative number); what would leave the range stays in the first bin.</summary>
        public void Shift(int bins)
        {
            if (bins < 0)
            {
                for (int i = 0; i < _bins.Length; i++)
                {
                    int to = Math.Max(i + bins, 0);
                    if (to != i)
                    {
                        _bins[to] += _bins[i];
                        _bins[i] = 0;
                    }
                }
            }
        }

        /// <summary>The upper edge, in bins, of the bin where the cumulative weight reaches <paramref name="q"/>.</summary>
        public int Quantile(double q)
        {
            double wanted = q * _total;
            double sum = 0;
            for (int i = 0; i < _bins.Length; i++)
            {
                sum += _bins[i];
                if (sum >= wanted)
                {
                    return i + 1;
                }
            }

            return _bins.Length;
        }
    }
}
