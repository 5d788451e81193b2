namespace InterCom.Core.Video;

/// <summary>
/// A destination for decoded frames: a window, a Y4M file. Frames come from every remote sender in turn,
/// each marked with its <see cref="VideoFrame.Ssrc"/>, at the size that sender chose.
/// </summary>
public interface IVideoSink : IDisposable
{
    /// <summary>Shows or stores <paramref name="frame"/>; the frame is reused after the call returns.</summary>
    /// <param name="frame">The frame.</param>
    void Write(VideoFrame frame);

    /// <summary>The sender of <paramref name="ssrc"/> left the call (its tile or file may close).</summary>
    /// <param name="ssrc">The stream that ended.</param>
    void Remove(uint ssrc);
}
