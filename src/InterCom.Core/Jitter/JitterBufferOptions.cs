namespace InterCom.Core.Jitter;

/// <summary>How a per-sender jitter buffer plays out. Immutable; defaults stated.</summary>
public sealed record JitterBufferOptions
{
    /// <summary>Default target delay: 40 ms.</summary>
    public static readonly TimeSpan DefaultTargetDelay = TimeSpan.FromMilliseconds(40);

    /// <summary>Default number of frames concealed when the stream stops before going silent: 3.</summary>
    public const int DefaultMaxConcealedRun = 3;

    /// <summary>
    /// How long the first packet of a talkspurt waits before it is played: the room the buffer has
    /// to absorb jitter and reordering. Default <see cref="DefaultTargetDelay"/>; 0 to 1 s.
    /// </summary>
    public TimeSpan TargetDelay { get; init; } = DefaultTargetDelay;

    /// <summary>
    /// Frames concealed in a row when nothing at all is buffered (the sender stopped, or a long gap)
    /// before the buffer goes silent and waits for the next talkspurt; default <see cref="DefaultMaxConcealedRun"/>.
    /// </summary>
    public int MaxConcealedRun { get; init; } = DefaultMaxConcealedRun;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (TargetDelay < TimeSpan.Zero || TargetDelay > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"Target delay {TargetDelay.TotalMilliseconds} ms is out of range: 0 to 1000 ms.", nameof(TargetDelay));
        }

        if (MaxConcealedRun is < 0 or > 50)
        {
            throw new ArgumentException($"MaxConcealedRun {MaxConcealedRun} is out of range: 0 to 50.", nameof(MaxConcealedRun));
        }
    }
}
