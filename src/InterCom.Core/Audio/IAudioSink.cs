namespace InterCom.Core.Audio;

/// <summary>A destination for interleaved float PCM: a playback device or a WAV file.</summary>
public interface IAudioSink : IDisposable
{
    /// <summary>The format of the samples this sink takes.</summary>
    AudioFormat Format { get; }

    /// <summary>
    /// <see langword="true"/> when the sink has its own clock (a device: <see cref="Write"/> blocks until
    /// the device has room), so it paces playout; <see langword="false"/> when it takes samples at any
    /// speed (a file) and the pipeline paces playout by the wall clock.
    /// </summary>
    bool IsRealTime { get; }

    /// <summary>Writes interleaved samples (a whole number of frames).</summary>
    /// <param name="samples">The samples to write.</param>
    /// <param name="cancellationToken">Stops a blocking wait; the samples are then discarded.</param>
    void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken);
}
