namespace InterCom.Core.Audio;

/// <summary>
/// A source of interleaved float PCM: a capture device, a WAV file, a tone generator.
/// A pull interface: the capture side asks for exactly one codec frame at a time.
/// </summary>
public interface IAudioSource : IDisposable
{
    /// <summary>The format of the samples this source produces.</summary>
    AudioFormat Format { get; }

    /// <summary>
    /// <see langword="true"/> when the source has its own clock (a device: <see cref="Read"/> blocks
    /// until the samples have been captured); <see langword="false"/> when it can produce samples at
    /// any speed (a file or a tone) and the pipeline paces it by the wall clock.
    /// </summary>
    bool IsRealTime { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> (a whole number of interleaved frames). Returns the number of
    /// samples written: <c>destination.Length</c>, or fewer only at the end of the source (0 = ended).
    /// </summary>
    /// <param name="destination">Where to write interleaved samples.</param>
    /// <param name="cancellationToken">Stops a blocking wait; the method then returns 0.</param>
    int Read(Span<float> destination, CancellationToken cancellationToken);
}
