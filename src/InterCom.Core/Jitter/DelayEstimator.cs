namespace InterCom.Core.Jitter;

/// <summary>
/// Estimates how far a sender's playout delay could come down (or must go up) from what the buffer's
/// reads found, rather than from when packets arrived relative to each other. Each packet's spare is
/// the audio queued ahead of it at the first read that could use it: how much less delay would still
/// have had it in time (negative for a packet that came after its playout time). The estimate is the
/// spare that all but 1 % of recent packets had at least, the lower of two figures: the last half
/// second's, from a histogram of spares that forgets in about 0.5 s; and the last ten seconds', from a
/// histogram that forgets in about 10 s and holds each spare relative to the median spare of its
/// moment. It drops within a packet or two when packets start coming late and rises over several
/// seconds when they keep coming early. A spare joins the ten-second histogram half a second
/// after its packet came, against the median of the packets around it, not only of those before it:
/// a stream that became later for good (its first packets waited for, the rest as early as before)
/// is then no spread at all, while a packet that came late among early ones is.
/// </summary>
/// <remarks>
/// <para>
/// Reads see what arrival times alone cannot: the phase between the sender's bursts and this
/// reader's clock. Two ends on one audio clock (two JACK clients of one server, or two machines on a
/// word clock) send and read in lock-step, and a read-side estimate plays them with no more delay than
/// that lock-step leaves; an arrival-side one has to assume the worst phase. Network jitter, stalls and
/// drift show up all the same, as packets with little or no spare.
/// </para>
/// <para>
/// When the buffer's own delay changes (time-stretching, waiting out a stall, discarding), the
/// half-second histogram moves by as much, and with it the median that the ten-second one is relative
/// to. When the whole stream moves against the reads and stays so (the reader skipped a period, a
/// route got shorter or longer, clocks drift), the median moves with it within half a second, and so
/// does what ten seconds of spread say: only the spread is remembered, not where the stream was.
/// Allocation-free; used by the playout side only.
/// </para>
/// </remarks>
internal sealed class DelayEstimator
{
    /// <summary>Histogram bin width: 0.5 ms at 48 kHz.</summary>
    public const int BinSamples = 24;
    private const double LowQuantile = 0.01;
    private const int BinsBelowZero = 128;                   // spares down to −64 ms: a packet that came that late
    private const long SamplesBeforeEstimate = 2 * 48_000;   // two seconds of packets before the estimate counts
    private const int PacketsPerUpdate = 4;
    private const long SpreadLagSamples = 24_000;             // half a second
    private const int MaxLagging = 256;                       // packets waiting to join the spread: 0.5 s at 2.5 ms frames, and more

    private readonly ForgettingHistogram _recent;    // spares, at the current delay
    private readonly ForgettingHistogram _spread;    // spares relative to the median of _recent when they came
    private int _pendingShift;        // samples the delay moved that _recent's bins do not show yet (less than a bin)
    private long _observedSamples;
    private int _sinceUpdate;
    private long _median;
    private int _spare;
    private long _shifted;            // all the delay changes so far: spares waiting to join the spread are kept net of it
    private readonly long[] _laggingSpare = new long[MaxLagging];
    private readonly long[] _laggingAt = new long[MaxLagging];
    private readonly int[] _laggingSamples = new int[MaxLagging];
    private int _laggingFirst;
    private int _laggingCount;

    /// <param name="maxSamples">The largest spare the histograms tell apart (larger ones fall in the last bin).</param>
    public DelayEstimator(int maxSamples)
    {
        int bins = BinsBelowZero + Math.Max(2, (maxSamples / BinSamples) + 1);
        _recent = new ForgettingHistogram(bins, TimeSpan.FromSeconds(0.5));
        _spread = new ForgettingHistogram(2 * bins, TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Whether two seconds of packets were seen: before that, the histograms hold too few of them (a
    /// machine's first scheduling hiccups would not be in it yet), and the buffer keeps its configured
    /// starting target.
    /// </summary>
    public bool HasEstimate => _observedSamples >= SamplesBeforeEstimate;

    /// <summary>
    /// The spare, in 48 kHz samples, that all but 1 % of recent packets had at least, at the current
    /// delay: the delay could come down by this much (negative: it must go up). Rounded down to a bin edge.
    /// </summary>
    public int SpareSamples => _spare + _pendingShift;

    /// <summary>Takes one packet: its spare, and the audio it carries.</summary>
    public void Add(long spareSamples, int samples)
    {
        _observedSamples += samples;
        _recent.Add(Bin(spareSamples - _pendingShift, BinsBelowZero, _recent.Bins), samples);
        if (_laggingCount == MaxLagging)
        {
            JoinSpread();
        }

        int last = (_laggingFirst + _laggingCount++) % MaxLagging;
        (_laggingSpare[last], _laggingAt[last], _laggingSamples[last]) = (spareSamples - _shifted, _observedSamples, samples);
        while (_laggingCount > 0 && _observedSamples - _laggingAt[_laggingFirst] >= SpreadLagSamples)
        {
            JoinSpread();
        }

        if (++_sinceUpdate >= PacketsPerUpdate)
        {
            Update();
        }
    }

    /// <summary>The buffer's delay changed by <paramref name="samples"/> (positive: more audio queued): every packet seen would have had that much more spare.</summary>
    public void Shift(int samples)
    {
        _shifted += samples;
        _pendingShift += samples;
        int bins = _pendingShift / BinSamples;
        if (bins != 0)
        {
            _pendingShift -= bins * BinSamples;
            _recent.Shift(bins);
            Update();
        }
    }

    /// <summary>The oldest waiting spare joins the spread, relative to the median now (both at the current delay).</summary>
    private void JoinSpread()
    {
        long spare = _laggingSpare[_laggingFirst] + _shifted;
        _spread.Add(Bin(spare - _pendingShift - _median, _spread.Bins / 2, _spread.Bins), _laggingSamples[_laggingFirst]);
        _laggingFirst = (_laggingFirst + 1) % MaxLagging;
        _laggingCount--;
    }

    private static int Bin(long samples, int zero, int bins) => (int)Math.Clamp(Math.Floor((double)samples / BinSamples) + zero, 0, bins - 1);

    private void Update()
    {
        _sinceUpdate = 0;
        _median = (_recent.LowerQuantile(0.5) - BinsBelowZero) * (long)BinSamples;
        int recent = (_recent.LowerQuantile(LowQuantile) - BinsBelowZero) * BinSamples;
        long longer = _median + ((_spread.LowerQuantile(LowQuantile) - (_spread.Bins / 2)) * (long)BinSamples);
        _spare = (int)Math.Min(recent, longer);
    }
}
