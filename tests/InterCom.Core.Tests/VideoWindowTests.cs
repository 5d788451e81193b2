using System.Buffers.Binary;
using System.Diagnostics;
using InterCom.Core.Video;

namespace InterCom.Core.Tests;

/// <summary>
/// The window sink on a real X server (Xvfb, which the test starts and stops): <c>intercom call --video-out
/// window</c> shows the other end's test pattern, and a screenshot (xwd) of the screen carries its stamp.
/// The test command installs xvfb and x11-apps.
/// </summary>
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class VideoWindowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_window_shows_the_test_patterns_frame_number_blocks()
    {
        using var xvfb = XServer.Start();
        string dir = Directory.CreateTempSubdirectory("intercom-window-").FullName;
        int shown = Ports.FreeUdp(), sending = Ports.FreeUdp();
        using var viewer = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{shown}", "--peer", $"127.0.0.1:{sending}", "--input", "tone:440", "--output", Path.Combine(dir, "a.wav"),
             "--video-out", "window", "--duration", "8", "--quiet"],
            new Dictionary<string, string> { ["DISPLAY"] = xvfb.Display });
        using var sender = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{sending}", "--peer", $"127.0.0.1:{shown}", "--input", "tone:660", "--output", Path.Combine(dir, "b.wav"),
             "--video", "testsrc", "--duration", "8", "--quiet"]);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // Two processes starting, a window opening and a first keyframe: on a loaded machine that takes
        // a moment, so the screen is looked at until the window shows (its start-up, not the assertion).
        uint now = 0, number = 0, captureMs = 0;
        bool found = false;
        for (int look = 0; look < 6 && !found; look++)
        {
            now = FrameStamp.NowMs();
            byte[] shot = await xvfb.ScreenshotAsync();
            File.WriteAllBytes(Path.Combine(dir, "screen.xwd"), shot); // for a failure's reader
            (byte[] luma, int width, int height) = XServer.Luma(shot);
            found = XServer.FindStamp(luma, width, height, now, out number, out captureMs);
            if (!found)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(700));
            }
        }

        Assert.Equal(0, await viewer.WaitAsync(Timeout));
        Assert.Equal(0, await sender.WaitAsync(Timeout));
        Assert.True(found, $"no test-pattern stamp on the screen: {dir}/screen.xwd");
        Assert.True(number is >= 10 and <= 200, $"frame {number} on the screen (2.5 to 6 s of 30 fps frames expected): {dir}/screen.xwd");
        Assert.InRange(unchecked((int)(now - captureMs)), -100, 2000);
    }
}

/// <summary>An Xvfb server on a free display number, stopped on dispose.</summary>
internal sealed class XServer : IDisposable
{
    private readonly Process _process;

    private XServer(Process process, string display) => (_process, Display) = (process, display);

    public string Display { get; }

    public static XServer Start()
    {
        int number = Enumerable.Range(90, 100).First(n => !File.Exists($"/tmp/.X11-unix/X{n}") && !File.Exists($"/tmp/.X{n}-lock"));
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("Xvfb", [$":{number}", "-screen", "0", "1280x720x24", "-nolisten", "tcp", "-br"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Xvfb is missing (apt-get install xvfb x11-apps).", e);
        }

        // Waiting for an external server's start-up is the one place a retry belongs.
        var waited = Stopwatch.StartNew();
        while (!File.Exists($"/tmp/.X11-unix/X{number}"))
        {
            if (process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(15))
            {
                string log = process.HasExited ? process.StandardError.ReadToEnd() : "still starting";
                process.Kill();
                throw new InvalidOperationException($"Xvfb :{number} did not start: {log}");
            }

            Thread.Sleep(50);
        }

        return new XServer(process, $":{number}");
    }

    /// <summary>The whole screen as an XWD image (xwd -root).</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var info = new ProcessStartInfo("xwd", ["-root", "-silent", "-display", Display]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process xwd = Process.Start(info)!;
        using var image = new MemoryStream();
        await xwd.StandardOutput.BaseStream.CopyToAsync(image);
        await xwd.WaitForExitAsync();
        Assert.True(xwd.ExitCode == 0, await xwd.StandardError.ReadToEndAsync());
        return image.ToArray();
    }

    /// <summary>Studio-range luma (16..235) of a true-colour ZPixmap XWD image.</summary>
    public static (byte[] Luma, int Width, int Height) Luma(byte[] xwd)
    {
        int headerSize = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd);
        int width = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(16));
        int height = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(20));
        bool littleEndian = BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(28)) == 0;
        int bitsPerPixel = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(44));
        int bytesPerLine = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(48));
        int colours = (int)BinaryPrimitives.ReadUInt32BigEndian(xwd.AsSpan(76));
        int step = bitsPerPixel / 8; // Xvfb's depth 24: 3 bytes a pixel, rows padded to 4 bytes a pixel
        Assert.True(step is 3 or 4, $"{bitsPerPixel} bits a pixel");
        int pixels = headerSize + (colours * 12);
        byte[] luma = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = pixels + (y * bytesPerLine) + (x * step);
                (int r, int g, int b) = littleEndian ? (xwd[i + 2], xwd[i + 1], xwd[i]) : (xwd[i + step - 3], xwd[i + step - 2], xwd[i + step - 1]);
                luma[(y * width) + x] = (byte)(16 + (((0.299 * r) + (0.587 * g) + (0.114 * b)) * 219 / 255));
            }
        }

        return (luma, width, height);
    }

    /// <summary>
    /// Looks for a readable stamp where the window is: its top is the first row with anything lit (the bars
    /// beside the stamp reach the top), its left edge within a bar's width of the leftmost lit pixel (the
    /// black bar or 0 bits may hide it). A place a block or more off reads shifted bits: only a capture
    /// time of the last 5 s counts as found.
    /// </summary>
    public static bool FindStamp(byte[] luma, int width, int height, uint nowMs, out uint number, out uint captureMs)
    {
        (number, captureMs) = (0, 0);
        int minX = width, minY = height;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (luma[(y * width) + x] > 60)
                {
                    (minX, minY) = (Math.Min(minX, x), Math.Min(minY, y));
                }
            }
        }

        for (int top = Math.Max(0, minY - 2); top <= minY + 2 && top + (2 * FrameStamp.BlockSize) <= height; top++)
        {
            for (int left = Math.Max(0, minX - 100); left <= minX && left + (FrameStamp.Bits * FrameStamp.BlockSize) <= width; left++)
            {
                if (FrameStamp.TryRead(luma.AsSpan((top * width) + left), width, FrameStamp.Bits * FrameStamp.BlockSize, 2 * FrameStamp.BlockSize, out number, out captureMs)
                    && unchecked((int)(nowMs - captureMs)) is >= -100 and <= 5000)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
