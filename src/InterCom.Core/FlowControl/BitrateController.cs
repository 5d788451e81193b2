namespace InterCom.Core.FlowControl;

/// <summary>
/// Turns the receivers' reports about our stream into encoder settings (see docs/flow-control.md):
/// on loss of <see cref="RateControlOptions.BackOffLoss"/> or more, the bitrate drops by 15 % (not below
/// the minimum), Opus in-band FEC goes on and the encoder's expected-loss hint follows the smoothed
/// loss; after <see cref="RateControlOptions.CleanReportsPerStep"/> clean reports in a row, the bitrate
/// rises by 10 % of the maximum (not above it); at the maximum with a clean link, FEC goes off again.
/// Between the two thresholds nothing changes (hysteresis).
/// </summary>
internal sealed class BitrateController
{
    private readonly RateControlOptions _options;
    private readonly int _max;
    private double _smoothedLoss;
    private int _cleanReports;

    public BitrateController(RateControlOptions options, int configuredBitrate)
    {
        _options = options;
        _max = options.MaxBitrate ?? configuredBitrate;
        TargetBitrate = Math.Clamp(configuredBitrate, options.MinBitrate, _max);
    }

    public int TargetBitrate { get; private set; }

    public bool FecEnabled { get; private set; }

    public int LossHintPercent { get; private set; }

    /// <summary>Takes one report's fraction lost (0..1); returns whether a setting changed.</summary>
    public bool OnReport(double fractionLost)
    {
        fractionLost = Math.Clamp(fractionLost, 0, 1);
        _smoothedLoss += (fractionLost - _smoothedLoss) / 2;
        (int bitrate, bool fec, int hint) before = (TargetBitrate, FecEnabled, LossHintPercent);
        if (fractionLost >= _options.BackOffLoss)
        {
            _cleanReports = 0;
            TargetBitrate = Math.Max(_options.MinBitrate, (int)(TargetBitrate * 0.85));
            FecEnabled = true;
            LossHintPercent = Math.Clamp((int)Math.Ceiling(_smoothedLoss * 100), 1, 50);
        }
        else if (fractionLost < _options.CleanLoss && ++_cleanReports >= _options.CleanReportsPerStep)
        {
            _cleanReports = 0;
            if (TargetBitrate < _max)
            {
                TargetBitrate = Math.Min(_max, TargetBitrate + Math.Max(1_000, _max / 10));
            }
            else
            {
                FecEnabled = false;
            }

            LossHintPercent = (int)Math.Round(_smoothedLoss * 100);
        }

        return before != (TargetBitrate, FecEnabled, LossHintPercent);
    }
}
