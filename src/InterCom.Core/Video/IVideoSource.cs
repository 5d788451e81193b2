namespace InterCom.Core.Video;

/// <summary>
/// A source of I420 frames: a camera, a Y4M file, the test pattern. A pull interface, as
/// <see cref="Audio.IAudioSource"/> is: the sending side asks for one frame at a time.
/// </summary>
public interface IVideoSource : IDisposable
{
    /// <summary>The size and rate of the frames this source produces.</summary>
    VideoFormat Format { get; }

    /// <summary>
    /// <see langword="true"/> when the source has its own clock (a camera: <see cref="Read"/> blocks until a
    /// frame has been captured); <see langword="false"/> when it can produce frames at any speed (a file, the
    /// test pattern) and the pipeline paces it at <see cref="VideoFormat.FramesPerSecond"/>.
    /// </summary>
    bool IsRealTime { get; }

    /// <summary>Fills <paramref name="destination"/> (resized to <see cref="Format"/>) with the next frame and its capture time.</summary>
    /// <param name="destination">The frame to fill.</param>
    /// <param name="cancellationToken">Stops a blocking wait; the method then returns <see langword="false"/>.</param>
    /// <returns><see langword="false"/> when the source has ended or the wait was cancelled.</returns>
    bool Read(VideoFrame destination, CancellationToken cancellationToken);
}
