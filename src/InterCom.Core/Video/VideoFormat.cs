namespace InterCom.Core.Video;

/// <summary>The size and rate of the video a call sends: I420 frames of <see cref="Width"/> × <see cref="Height"/> at <see cref="FramesPerSecond"/>.</summary>
/// <param name="Width">Pixels per row: even, 16 to 4096.</param>
/// <param name="Height">Rows: even, 16 to 4096.</param>
/// <param name="FramesPerSecond">Frames per second: 1 to 120.</param>
public readonly record struct VideoFormat(int Width, int Height, int FramesPerSecond)
{
    /// <summary>The RTP clock of video (RFC 7741): 90 kHz.</summary>
    public const int ClockRate = 90_000;

    /// <summary>640 × 360 at 30 frames per second, the default of a call.</summary>
    public static VideoFormat Default => new(640, 360, 30);

    /// <summary>One frame's duration.</summary>
    public TimeSpan FrameInterval => TimeSpan.FromSeconds(1.0 / FramesPerSecond);

    /// <summary>Parses <c>WIDTHxHEIGHT</c> (e.g. <c>640x360</c>) with <paramref name="framesPerSecond"/>; throws <see cref="FormatException"/> naming the text.</summary>
    /// <param name="size">The size as <c>WIDTHxHEIGHT</c>.</param>
    /// <param name="framesPerSecond">The frame rate.</param>
    public static VideoFormat Parse(string size, int framesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(size);
        string[] parts = size.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int width) || !int.TryParse(parts[1], out int height))
        {
            throw new FormatException($"'{size}' is not a video size: give WIDTHxHEIGHT, e.g. 640x360.");
        }

        return new VideoFormat(width, height, framesPerSecond);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless a call can carry this format.</summary>
    /// <param name="paramName">The caller's parameter name, used in the exception.</param>
    public void Validate(string paramName)
    {
        if (Width is < 16 or > 4096 || Height is < 16 or > 4096 || Width % 2 != 0 || Height % 2 != 0)
        {
            throw new ArgumentException($"Video size {Width}x{Height} is not supported: width and height are even, 16 to 4096.", paramName);
        }

        if (FramesPerSecond is < 1 or > 120)
        {
            throw new ArgumentException($"Frame rate {FramesPerSecond} fps is not supported: 1 to 120.", paramName);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Width}x{Height} at {FramesPerSecond} fps, I420";
}
