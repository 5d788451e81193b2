namespace InterCom.Core.FlowControl;

/// <summary>Bounds and steps of the sender's rate control. Immutable; every default is stated.</summary>
public sealed record RateControlOptions
{
    /// <summary>Whether the sender adapts to the receivers' reports; default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The lowest Opus bitrate it goes down to; default 12 000 b/s (still clear speech at 48 kHz).</summary>
    public int MinBitrate { get; init; } = 12_000;

    /// <summary>The highest it goes back up to; default <see langword="null"/> = the codec's configured bitrate.</summary>
    public int? MaxBitrate { get; init; }

    /// <summary>Reported loss from which it protects the stream (Opus in-band FEC on), and lowers the bitrate too when the round trip rises with it: default 0.02 (2 %).</summary>
    public double BackOffLoss { get; init; } = 0.02;

    /// <summary>Reported loss from which it lowers the bitrate whatever the round trip does (FEC cannot make up for that much): default 0.20 (20 %).</summary>
    public double HighLoss { get; init; } = 0.20;

    /// <summary>
    /// How far the round trip may stand above the path's lowest of the last 30 reports before it is
    /// taken for a queue building up (congestion: the bitrate falls, with or without loss); half of it
    /// is enough when loss comes with it. Default 40 ms.
    /// </summary>
    public TimeSpan CongestionDelay { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Reported loss under which a report counts as clean: default 0.01 (1 %).</summary>
    public double CleanLoss { get; init; } = 0.01;

    /// <summary>Clean reports in a row before each step up: default 3 (about 3 s at the 1 s report interval).</summary>
    public int CleanReportsPerStep { get; init; } = 3;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MinBitrate is < 6_000 or > 510_000)
        {
            throw new ArgumentException($"MinBitrate {MinBitrate} is out of range: 6000..510000.", nameof(MinBitrate));
        }

        if (MaxBitrate is { } max && (max < MinBitrate || max > 510_000))
        {
            throw new ArgumentException($"MaxBitrate {max} must lie between MinBitrate ({MinBitrate}) and 510000.", nameof(MaxBitrate));
        }

        if (!(CleanLoss > 0 && CleanLoss <= BackOffLoss && BackOffLoss <= HighLoss && HighLoss <= 1))
        {
            throw new ArgumentException("Loss thresholds must satisfy 0 < CleanLoss <= BackOffLoss <= HighLoss <= 1.", nameof(BackOffLoss));
        }

        if (CongestionDelay <= TimeSpan.Zero || CongestionDelay > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException($"CongestionDelay {CongestionDelay.TotalMilliseconds} ms is out of range: above 0, at most 10 s.", nameof(CongestionDelay));
        }

        if (CleanReportsPerStep < 1)
        {
            throw new ArgumentException("CleanReportsPerStep must be at least 1.", nameof(CleanReportsPerStep));
        }
    }
}
