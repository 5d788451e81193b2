namespace InterCom.Core.Audio;

/// <summary>
/// A capture source of a full-duplex device that also gives what the device played, in step with what
/// it captured: the echo canceller's reference, taken where it is played.
/// </summary>
internal interface IPlayedReference
{
    /// <summary>
    /// Copies as many samples of what was played as the last read captured (<c>destination.Length</c>,
    /// interleaved, played during the same callbacks). Silence while nothing plays. Returns the number written.
    /// </summary>
    int ReadPlayed(Span<float> destination);

    /// <summary>How long after a sample is played its echo is captured at the least: the output and input latencies the device reports.</summary>
    TimeSpan PlayedToCaptured { get; }
}
