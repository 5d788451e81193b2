using System.Globalization;
using InterCom.Core.Diagnostics;
using InterCom.Core.Video;

namespace InterCom.Cli;

/// <summary>The demo's video: the test pattern both ways, shown in windows where there is a display, else written to Y4M files; and its check.</summary>
internal sealed class DemoVideo
{
    private DemoVideo(IVideoSink sinkA, IVideoSink sinkB, string? fileA, string? fileB, string? windowProblem)
        => (SinkA, SinkB, FileA, FileB, _windowProblem) = (sinkA, sinkB, fileA, fileB, windowProblem);

    private readonly string? _windowProblem;

    public IVideoSink SinkA { get; }

    public IVideoSink SinkB { get; }

    /// <summary>A's Y4M file (what A received), or <see langword="null"/> when shown in a window.</summary>
    public string? FileA { get; }

    public string? FileB { get; }

    /// <summary>Windows when there is a display and SDL2 (and <paramref name="window"/>), else Y4M files in <paramref name="outDir"/>.</summary>
    public static DemoVideo Open(string outDir, bool window)
    {
        string? problem = window ? null : "--no-window";
        if (window)
        {
            try
            {
                return new DemoVideo(new VideoWindowSink("intercom demo: A sees B"), new VideoWindowSink("intercom demo: B sees A"), null, null, null);
            }
            catch (Exception e) when (e is PlatformNotSupportedException or InvalidOperationException)
            {
                problem = e.Message;
            }
        }

        string fileA = Path.Combine(outDir, "demo-a.y4m"), fileB = Path.Combine(outDir, "demo-b.y4m");
        return new DemoVideo(new Y4mFileSink(fileA), new Y4mFileSink(fileB), fileA, fileB, problem);
    }

    /// <summary>What each end sends: the test pattern; <see langword="null"/> without video.</summary>
    public static IVideoSource? Source(DemoVideo? video) => video is null ? null : new TestPatternSource(VideoFormat.Default);

    public string Describe() => FileA is null
        ? "shown in two windows"
        : $"no window ({_windowProblem}): A writes what it sees to {FileA}, B to {FileB}";

    /// <summary>Checks one end's video: most frames decoded, none out of order, and (for a file) the stamped numbers rising frame after frame.</summary>
    public static async Task<bool> CheckAsync(TextWriter output, string name, VideoStatistics stats, double duration, string? file)
    {
        long expected = (long)(duration * VideoFormat.Default.FramesPerSecond);
        bool ok = stats.FramesDecoded >= expected / 2 && stats.FramesOutOfOrder == 0;
        string detail = string.Empty;
        if (file is not null)
        {
            uint[] numbers = FrameStamp.ReadFrameNumbers(file);
            bool rising = numbers.Length > 0 && numbers.Zip(numbers.Skip(1)).All(p => p.Second > p.First);
            ok &= rising && numbers.Length >= expected / 2;
            detail = $"; {numbers.Length} stamped frames in {file}{(rising ? ", numbered in order" : ", NOT in order")}";
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{name} decoded {stats.FramesDecoded} of the other end's frames (dropped {stats.FramesDropped}, out of order {stats.FramesOutOfOrder}, glass to glass {stats.GlassToGlassP50Ms:F0} ms median){detail}: {(ok ? "OK" : "MISSING")}")).ConfigureAwait(false);
        return ok;
    }
}
