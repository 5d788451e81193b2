namespace InterCom.Core.Jitter;

/// <summary>How a per-sender jitter buffer plays out. Immutable; defaults stated.</summary>
public sealed record JitterBufferOptions
{
    /// <summary>Default target delay: 40 ms.</summary>
    public static readonly TimeSpan DefaultTargetDelay = TimeSpan.FromMilliseconds(40);

    /// <summary>Default upper bound of the adaptive delay: 500 ms.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Default number of frames concealed when the stream stops before going silent: 20.</summary>
    public const int DefaultMaxConcealedRun = 20;

    /// <summary>
    /// Whether the delay follows the network (default): the buffer measures, for each packet, how much
    /// audio was queued ahead of it at the first read that could use it, and keeps the delay as low as
    /// still had all but 1 % of recent packets in time (over half a second and, around the median of
    /// its moment, over ten seconds, the lower wins: up within a packet or two, down slowly), plus
    /// <see cref="MinDelay"/>. Measured at the reads, it also sees how the sender's bursts line up with
    /// the reader's periods (two ends on one audio clock play with the least delay their framing
    /// allows). When <see langword="false"/>, the audio kept beyond each read stays
    /// <see cref="TargetDelay"/>. Either way the buffer gets there by time-stretching the audio a
    /// pitch period at a time (no jumps), which also absorbs clock drift between sender and receiver.
    /// </summary>
    public bool Adaptive { get; init; } = true;

    /// <summary>
    /// Whether the buffer moves its delay toward the target by time-stretching (default). Off, the
    /// delay only changes through waiting out stalls, losses and, far (200 ms) above the target,
    /// discarding whole packets: for an application that must never alter the sound, at the price of
    /// a delay that drifts with the clocks.
    /// </summary>
    public bool TimeStretching { get; init; } = true;

    /// <summary>
    /// The audio kept queued beyond what each read takes: the room to absorb jitter and reordering
    /// (a talkspurt's first packet waits this long before it is played). Fixed (<see cref="Adaptive"/>
    /// off), or the starting point until the first two seconds of packets are measured. Default
    /// <see cref="DefaultTargetDelay"/>; 0 to 1 s.
    /// </summary>
    public TimeSpan TargetDelay { get; init; } = DefaultTargetDelay;

    /// <summary>
    /// Adaptive: the delay kept beyond what the network needs, a margin against what the last
    /// seconds did not show (default 0: as low as the network allows).
    /// </summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Adaptive: the most audio kept beyond each read, however late packets come (default <see cref="DefaultMaxDelay"/>; at most 1 s).</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;

    /// <summary>
    /// Adaptive: while the stream carries Opus in-band FEC and frames are being lost, keep one frame
    /// more delay, so that the packet after a lost one is there in time to rebuild it (without it,
    /// most lost frames are concealed instead); default <see langword="true"/>. Off, a lossy call
    /// keeps the least delay and conceals.
    /// </summary>
    public bool DelayForFec { get; init; } = true;

    /// <summary>
    /// Frames concealed in a row when nothing at all is buffered (the sender stopped, or the stream
    /// stalled: a busy machine, a late wake-up) before the buffer goes silent and waits for the next
    /// talkspurt; default <see cref="DefaultMaxConcealedRun"/> (200 ms of 10 ms frames: a stall that
    /// long costs concealment, not silence).
    /// </summary>
    public int MaxConcealedRun { get; init; } = DefaultMaxConcealedRun;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        TimeSpan second = TimeSpan.FromSeconds(1);
        if (TargetDelay < TimeSpan.Zero || TargetDelay > second)
        {
            throw new ArgumentException($"Target delay {TargetDelay.TotalMilliseconds} ms is out of range: 0 to 1000 ms.", nameof(TargetDelay));
        }

        if (MinDelay < TimeSpan.Zero || MaxDelay > second || MinDelay > MaxDelay)
        {
            throw new ArgumentException($"Delay bounds {MinDelay.TotalMilliseconds}..{MaxDelay.TotalMilliseconds} ms are invalid: 0 <= min <= max <= 1000 ms.", nameof(MinDelay));
        }

        if (MaxConcealedRun is < 0 or > 50)
        {
            throw new ArgumentException($"MaxConcealedRun {MaxConcealedRun} is out of range: 0 to 50.", nameof(MaxConcealedRun));
        }
    }
}
