using InterCom.Core.Video;

namespace InterCom.Cli;

/// <summary>The video options of <c>call</c> and <c>demo</c>: what to send, where to show what is received, size, rate, bitrate.</summary>
/// <param name="Input">testsrc, FILE.y4m or /dev/videoN; <see langword="null"/>: send no video.</param>
/// <param name="Output">window or FILE.y4m; <see langword="null"/>: decode and count only.</param>
/// <param name="Options">The session's video options.</param>
internal sealed record VideoSettings(string? Input, string? Output, VideoOptions Options)
{
    public static IEnumerable<System.CommandLine.Option> Definitions() =>
    [
        CliOption.Value("video", "testsrc|FILE.y4m|/dev/videoN", "send video (VP8): the test pattern (moving bars with each frame's number and capture time stamped along the top), a 4:2:0 Y4M file (looped), or a V4L2 camera (through libv4l2: libv4l-0); needs libvpx7"),
        CliOption.Value("video-out", "window|FILE.y4m", "show the video received in a window (needs a display and libsdl2-2.0-0; a tile per peer) or write it to a Y4M file (FILE-2.y4m... for further peers); default: decoded and counted only"),
        CliOption.Value("video-size", "WxH", "size of the video sent (default 640x360); a source of another size is scaled"),
        CliOption.Value("fps", "N", "frames per second sent, 1..120 (default 30; a Y4M file's own rate is not used)"),
        CliOption.Value("video-bitrate", "BPS", "ceiling of the video bitrate, 50000..20000000 (default 1000000); rate control goes below it on congestion"),
        CliOption.Flag("no-lip-sync", "show each frame as soon as it decodes instead of when the audio captured with it plays: less video delay, audio and video apart by the audio buffer's delay"),
    ];

    /// <summary>The video options given, or <see langword="null"/> when neither --video nor --video-out is (an audio-only call).</summary>
    public static VideoSettings? Parse(Arguments args)
    {
        string? input = args.Single("video");
        string? output = args.Single("video-out");
        bool any = input is not null || output is not null;
        if (!any)
        {
            foreach (string name in new[] { "video-size", "fps", "video-bitrate", "no-lip-sync" })
            {
                if (args.Single(name) is not null || args.Has(name))
                {
                    throw new UsageException($"--{name} sets the video: it goes with --video or --video-out.");
                }
            }

            return null;
        }

        int fps = args.Integer("fps", 1, 120) ?? 30;
        VideoFormat format;
        try
        {
            format = VideoFormat.Parse(args.Single("video-size") ?? "640x360", fps);
            format.Validate("video-size");
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException($"--video-size: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        if (input is not null && input != "testsrc" && !input.StartsWith("/dev/", StringComparison.Ordinal) && !input.EndsWith(".y4m", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--video '{input}': give testsrc, a FILE.y4m or a camera /dev/videoN.");
        }

        if (output is not null && output != "window" && !output.EndsWith(".y4m", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--video-out '{output}': give window or a FILE.y4m.");
        }

        var options = new VideoOptions { Format = format, Bitrate = args.Integer("video-bitrate", 50_000, 20_000_000) ?? VideoOptions.DefaultBitrate, LipSync = !args.Has("no-lip-sync") };
        return new VideoSettings(input, output, options);
    }

    /// <summary>Opens the source; a missing file or camera is a runtime error that names it.</summary>
    public IVideoSource? OpenSource() => Input switch
    {
        null => null,
        "testsrc" => new TestPatternSource(Options.Format),
        _ when Input.StartsWith("/dev/", StringComparison.Ordinal) => new V4l2CameraSource(Input, Options.Format),
        _ => new Y4mFileSource(Input, Options.Format.FramesPerSecond),
    };

    /// <summary>Opens the sink; a window without a display is a runtime error that says so.</summary>
    public IVideoSink? OpenSink(string title) => Output switch
    {
        null => null,
        "window" => new VideoWindowSink(title),
        _ => new Y4mFileSink(Output, Options.Format.FramesPerSecond),
    };

    /// <summary>What the video does, for the call's first line.</summary>
    public string Describe() => $"video {Options.Format}, up to {Options.Bitrate / 1000} kb/s; in: {Input ?? "none"}, out: {Output ?? "none (decoded and counted)"}";
}
