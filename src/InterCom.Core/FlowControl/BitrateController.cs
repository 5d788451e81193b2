namespace InterCom.Core.FlowControl;

/// <summary>
/// Turns the receivers' reports about our stream into encoder settings (see docs/flow-control.md),
/// telling congestion from random loss. Congestion lowers the bitrate by 15 % (30 % with a queue of
/// twice <see cref="RateControlOptions.CongestionDelay"/>; not below the minimum): a queue growing on
/// the path (the round trip smoothed over reports stands <see cref="RateControlOptions.CongestionDelay"/>
/// above the lowest of the last 30 reports, or half that with loss of
/// <see cref="RateControlOptions.BackOffLoss"/> or more), loss of <see cref="RateControlOptions.HighLoss"/>
/// or more, or loss that halved when we last lowered the bitrate (the path's queue was full before a
/// round trip was known, so none looked raised). Loss without those signs is random: a lower bitrate
/// would not make it rarer, so the bitrate stays and Opus in-band FEC goes on, with the encoder's
/// expected-loss hint a quarter above the loss seen. While congested FEC is off: its redundancy would
/// add to the queue that causes the loss. After <see cref="RateControlOptions.CleanReportsPerStep"/>
/// clean reports in a row the bitrate rises by 10 % of the maximum (not above the maximum, nor for a
/// minute above 85 % of the last bitrate that congestion cut); at the maximum with a clean
/// link, FEC goes off again.
/// Between the loss thresholds nothing changes (hysteresis).
/// </summary>
internal sealed class BitrateController
{
    private const int RoundTripWindow = 30; // reports: the path's base round trip is the lowest of the last 30 s

    private readonly RateControlOptions _options;
    private readonly int _max;
    private readonly long[] _roundTrips = new long[RoundTripWindow];
    private int _roundTripCount;
    private int _roundTripNext;
    private double _smoothedRoundTrip;
    private double _smoothedLoss;
    private int _cleanReports;
    private double _lossAtBackOff = -1;   // the loss when the bitrate was last lowered for congestion; -1: not since the last clean report
    private bool _lossFollowsRate;        // the loss fell by half after we lowered the bitrate: it is ours (a queue that overflows), until a clean report
    private const int CeilingReports = 60;  // how long a bitrate that overfilled the path caps the climb: a minute, then it probes again
    private int _ceiling;                   // 85 % of the last bitrate congestion cut; 0: none
    private long _queueAtCut = -1;          // the queue delay when the bitrate was last cut; -1: the last report cut nothing
    private double _lossAtCut;
    private int _ceilingLeft;

    public BitrateController(RateControlOptions options, int configuredBitrate)
    {
        _options = options;
        _max = options.MaxBitrate ?? configuredBitrate;
        TargetBitrate = Math.Clamp(configuredBitrate, options.MinBitrate, _max);
    }

    public int TargetBitrate { get; private set; }

    public bool FecEnabled { get; private set; }

    public int LossHintPercent { get; private set; }

    /// <summary>How far the smoothed round trip stands above the path's base, microseconds (0 until round trips are known): the queue on the path.</summary>
    public long QueueDelayMicros { get; private set; }

    /// <summary>Whether the last report was taken for congestion (and lowered the bitrate).</summary>
    public bool Congested { get; private set; }

    /// <summary>
    /// Takes one report's fraction lost (0..1) and the round trip it gave (microseconds, 0 = unknown); returns
    /// whether a setting changed. <paramref name="sendingBitrate"/>, when given, is what the stream actually
    /// sent since the last report: the bitrate does not climb past half again as much (an encoder whose
    /// picture needs less would otherwise be handed a rate the path never carried).
    /// </summary>
    public bool OnReport(double fractionLost, long roundTripMicros = 0, int? sendingBitrate = null)
    {
        fractionLost = Math.Clamp(fractionLost, 0, 1);
        _smoothedLoss += (fractionLost - _smoothedLoss) / 2;
        QueueDelayMicros = QueueDelay(roundTripMicros);
        long congestionDelay = (long)_options.CongestionDelay.TotalMicroseconds;
        bool lossy = fractionLost >= _options.BackOffLoss;
        if (_lossAtBackOff > 0 && fractionLost <= _lossAtBackOff / 2)
        {
            _lossFollowsRate = true; // a queue the path had filled before any round trip was known shows itself this way
        }

        bool wasCongested = Congested;
        Congested = fractionLost >= _options.HighLoss || QueueDelayMicros >= congestionDelay
            || (lossy && (QueueDelayMicros >= congestionDelay / 2 || _lossFollowsRate));
        if (fractionLost < _options.CleanLoss)
        {
            (_lossAtBackOff, _lossFollowsRate) = (-1, false);
        }

        (int bitrate, bool fec, int hint) before = (TargetBitrate, FecEnabled, LossHintPercent);
        if (Congested)
        {
            _cleanReports = 0;
            FecEnabled = false;
            CutFor(fractionLost, congestionDelay, wasCongested);
        }
        else
        {
            _queueAtCut = -1;
        }

        if (lossy)
        {
            _cleanReports = 0;
            FecEnabled = !Congested; // loss from our own queue: redundancy would take bytes the path does not have
            LossHintPercent = Math.Clamp((int)Math.Ceiling(Math.Max(_smoothedLoss, fractionLost) * 125), 1, 50);
        }
        else if (!Congested && fractionLost < _options.CleanLoss && QueueDelayMicros < congestionDelay / 2 && ++_cleanReports >= _options.CleanReportsPerStep)
        {
            _cleanReports = 0;
            if (TargetBitrate < _max && (sendingBitrate is not { } sending || TargetBitrate < sending * 3 / 2))
            {
                // Not back over the rate that overfilled the path for a minute: the step that does builds
                // a queue for a whole report interval before a report shows it.
                int limit = _ceiling > 0 ? Math.Min(_max, _ceiling) : _max;
                TargetBitrate = Math.Max(TargetBitrate, Math.Min(limit, TargetBitrate + Math.Max(1_000, _max / 10)));
            }
            else
            {
                FecEnabled = false;
            }

            LossHintPercent = (int)Math.Round(_smoothedLoss * 100);
        }

        if (_ceilingLeft > 0 && --_ceilingLeft == 0)
        {
            _ceiling = 0;
        }

        return before != (TargetBitrate, FecEnabled, LossHintPercent);
    }

    /// <summary>Lowers the bitrate for congestion: 15 %, 30 % for a long queue; not again on the report right after a cut unless things got worse.</summary>
    private void CutFor(double fractionLost, long congestionDelay, bool wasCongested)
    {
        if (!wasCongested)
        {
            (_ceiling, _ceilingLeft) = (Math.Max(_options.MinBitrate, TargetBitrate * 85 / 100), CeilingReports);
        }

        // The report after a cut still shows the queue from before it (its round trip is that of a
        // report sent up to a second earlier): cut again only if the queue or the loss grew.
        if (_queueAtCut >= 0 && QueueDelayMicros <= _queueAtCut && fractionLost <= _lossAtCut)
        {
            _queueAtCut = -1;
            return;
        }

        (_queueAtCut, _lossAtCut) = (QueueDelayMicros, fractionLost);
        _lossAtBackOff = Math.Max(_lossAtBackOff, fractionLost);
        if (wasCongested)
        {
            // Cut again: the bitrate that still overfilled the path caps the climb (for what is left of the minute).
            int capped = Math.Max(_options.MinBitrate, TargetBitrate * 85 / 100);
            (_ceiling, _ceilingLeft) = _ceiling > 0 ? (Math.Min(_ceiling, capped), _ceilingLeft) : (capped, CeilingReports);
        }

        double cut = QueueDelayMicros >= 2 * congestionDelay ? 0.7 : 0.85; // a long queue drains only well below the link's rate
        TargetBitrate = Math.Max(_options.MinBitrate, (int)(TargetBitrate * cut));
    }

    /// <summary>The round trip (the smoothed one, or the last if lower) above the lowest of the window; 0 while none is known.</summary>
    private long QueueDelay(long roundTripMicros)
    {
        if (roundTripMicros <= 0)
        {
            return 0;
        }

        _roundTrips[_roundTripNext] = roundTripMicros;
        _roundTripNext = (_roundTripNext + 1) % RoundTripWindow;
        _roundTripCount = Math.Min(_roundTripCount + 1, RoundTripWindow);
        _smoothedRoundTrip = _roundTripCount == 1 ? roundTripMicros : _smoothedRoundTrip + ((roundTripMicros - _smoothedRoundTrip) / 2);
        long lowest = long.MaxValue;
        for (int i = 0; i < _roundTripCount; i++)
        {
            lowest = Math.Min(lowest, _roundTrips[i]);
        }

        return Math.Max(0, Math.Min((long)_smoothedRoundTrip, roundTripMicros) - lowest); // a queue drained is seen at once, one building through the smoothing
    }
}
