namespace InterCom.Core.Testing;

/// <summary>
/// How an <see cref="ImpairedRelay"/> mistreats each direction of traffic, reproducibly for a seed.
/// Every default is a clean link.
/// </summary>
public sealed record NetworkImpairment
{
    /// <summary>Share of datagrams lost, percent (0..100); default 0.</summary>
    public double LossPercent { get; init; }

    /// <summary>
    /// Losses come in bursts of this many datagrams (a burst starts with probability
    /// <see cref="LossPercent"/> / length per datagram, so the average loss stays near
    /// <see cref="LossPercent"/>); default 1: independent losses.
    /// </summary>
    public int BurstLength { get; init; } = 1;

    /// <summary>Share of datagrams held back and sent after the next one, percent; default 0.</summary>
    public double ReorderPercent { get; init; }

    /// <summary>Share of datagrams sent twice, percent; default 0.</summary>
    public double DuplicatePercent { get; init; }

    /// <summary>Delay added to every datagram; default none.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// A uniformly random extra delay between −Jitter and +Jitter (never below zero in all) for each
    /// datagram; datagrams may overtake each other, as on a real path; default none.
    /// </summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Link rate in kb/s: datagrams queue behind each other, and a queue over 200 ms is tail-dropped; default 0: unlimited.</summary>
    public int RateKbps { get; init; }

    /// <summary>
    /// Clock drift, parts per million: each datagram leaves later by this share of the time since the
    /// first one, as if the sender's clock ran that much slow (the receiver then consumes faster than
    /// it is fed). Negative values (a sender running fast) can only take back delay already added:
    /// give a <see cref="Delay"/> of at least |ppm| × the run's length. −1000..1000; default 0.
    /// </summary>
    public double DriftPpm { get; init; }

    /// <summary>The seed of the random choices (each direction has its own generator, from this seed); default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        foreach ((double value, string name) in new[] { (LossPercent, nameof(LossPercent)), (ReorderPercent, nameof(ReorderPercent)), (DuplicatePercent, nameof(DuplicatePercent)) })
        {
            if (double.IsNaN(value) || value is < 0 or > 100)
            {
                throw new ArgumentException($"{name} {value} is not a percentage (0 to 100).", name);
            }
        }

        if (BurstLength < 1)
        {
            throw new ArgumentException($"BurstLength {BurstLength} must be at least 1.", nameof(BurstLength));
        }

        if (Delay < TimeSpan.Zero || Jitter < TimeSpan.Zero || Delay > TimeSpan.FromSeconds(10) || Jitter > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException("Delay and Jitter must be between 0 and 10 s.", Delay < TimeSpan.Zero || Delay > TimeSpan.FromSeconds(10) ? nameof(Delay) : nameof(Jitter));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(RateKbps);
        if (double.IsNaN(DriftPpm) || DriftPpm is < -1000 or > 1000)
        {
            throw new ArgumentException($"DriftPpm {DriftPpm} is out of range: -1000 to 1000.", nameof(DriftPpm));
        }
    }
}
