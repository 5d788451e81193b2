namespace InterCom.Core.Video;

/// <summary>
/// The test pattern: colour bars moving left to right (so every frame differs, as camera frames do), with
/// the <see cref="FrameStamp"/> of each frame's number and capture time along the top. Not real-time: the
/// pipeline paces it.
/// </summary>
public sealed class TestPatternSource : IVideoSource
{
    // BT.601 studio-range Y, U, V of white, yellow, cyan, green, magenta, red, blue, black.
    private static readonly (byte Y, byte U, byte V)[] s_bars =
        [(235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34), (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128)];

    private uint _frameNumber;

    /// <summary>A pattern of <paramref name="format"/>'s size.</summary>
    /// <param name="format">Size and rate.</param>
    public TestPatternSource(VideoFormat format)
    {
        format.Validate(nameof(format));
        Format = format;
    }

    /// <inheritdoc/>
    public VideoFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    /// <summary>The number the next frame will carry.</summary>
    public uint NextFrameNumber => _frameNumber;

    /// <inheritdoc/>
    public bool Read(VideoFrame destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        destination.Resize(Format.Width, Format.Height);
        int shift = (int)(_frameNumber * 4 % (uint)Format.Width);
        int barWidth = Math.Max(1, Format.Width / s_bars.Length);
        FillRows(destination.Y, destination.Width, destination.Height, shift, barWidth, static bar => bar.Y);
        FillRows(destination.U, destination.ChromaWidth, destination.ChromaHeight, shift / 2, Math.Max(1, barWidth / 2), static bar => bar.U);
        FillRows(destination.V, destination.ChromaWidth, destination.ChromaHeight, shift / 2, Math.Max(1, barWidth / 2), static bar => bar.V);
        destination.CaptureTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        destination.Ssrc = 0;
        FrameStamp.Write(destination, _frameNumber, FrameStamp.NowMs());
        _frameNumber++;
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static void FillRows(Span<byte> plane, int width, int height, int shift, int barWidth, Func<(byte Y, byte U, byte V), byte> level)
    {
        Span<byte> first = plane[..width];
        for (int x = 0; x < width; x++)
        {
            int bar = ((x + width - shift) % width) / barWidth;
            first[x] = level(s_bars[Math.Min(bar, s_bars.Length - 1)]);
        }

        for (int row = 1; row < height; row++)
        {
            first.CopyTo(plane.Slice(row * width, width));
        }
    }
}
