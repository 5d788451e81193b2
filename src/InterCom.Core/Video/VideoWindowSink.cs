using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Video;

/// <summary>
/// Shows the frames received in a window (SDL2, software rendering): one tile per sender, in a grid, each
/// the size of the first sender's frames. The window opens with the first frame, on the thread that shows
/// frames (SDL's rule: one thread); it needs a display (X11 or Wayland) and Debian's libsdl2-2.0-0.
/// </summary>
public sealed unsafe class VideoWindowSink : IVideoSink
{
    private readonly string _title;
    private readonly List<(uint Ssrc, IntPtr Texture, int Width, int Height)> _tiles = [];
    private readonly byte[] _event = new byte[Sdl.EventSize];
    private IntPtr _window;
    private IntPtr _renderer;
    private int _tileWidth;
    private int _tileHeight;
    private bool _failed;

    /// <summary>Checks that a display and SDL2 are there; the window itself opens with the first frame.</summary>
    /// <param name="title">The window's title.</param>
    /// <exception cref="PlatformNotSupportedException">SDL2 is not installed, or is not SDL 2.</exception>
    /// <exception cref="InvalidOperationException">There is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).</exception>
    public VideoWindowSink(string title = "InterCom")
    {
        ArgumentNullException.ThrowIfNull(title);
        _title = title;
        Interop.Interop.Libraries.EnsureLoadable(Sdl.Library, Sdl.Package, "SDL2", "the video window");
        Sdl.Version version;
        Sdl.GetVersion(&version);
        if (version.Major != Sdl.SupportedMajor)
        {
            throw new PlatformNotSupportedException($"{Sdl.Library} is SDL {version.Major}.{version.Minor}.{version.Patch}; the window needs SDL 2.");
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
        {
            throw new InvalidOperationException("There is no display for a video window (DISPLAY is not set): write the video to a file instead (FILE.y4m).");
        }
    }

    /// <summary>Frames shown so far.</summary>
    public long FramesShown { get; private set; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The window could not be opened (the message is SDL's).</exception>
    public void Write(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_failed)
        {
            return;
        }

        if (_window == IntPtr.Zero)
        {
            Open(frame.Width, frame.Height);
        }

        int index = _tiles.FindIndex(t => t.Ssrc == frame.Ssrc);
        if (index < 0 || _tiles[index].Width != frame.Width || _tiles[index].Height != frame.Height)
        {
            index = PlaceTile(frame.Ssrc, frame.Width, frame.Height, index);
        }

        fixed (byte* y = frame.Y, u = frame.U, v = frame.V)
        {
            _ = Sdl.UpdateYuvTexture(_tiles[index].Texture, null, y, frame.Width, u, frame.ChromaWidth, v, frame.ChromaWidth);
        }

        Present();
        FramesShown++;
    }

    /// <inheritdoc/>
    public void Remove(uint ssrc)
    {
        int index = _tiles.FindIndex(t => t.Ssrc == ssrc);
        if (index >= 0)
        {
            Sdl.DestroyTexture(_tiles[index].Texture);
            _tiles.RemoveAt(index);
            Layout();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach ((uint _, IntPtr texture, int _, int _) in _tiles)
        {
            Sdl.DestroyTexture(texture);
        }

        _tiles.Clear();
        if (_renderer != IntPtr.Zero)
        {
            Sdl.DestroyRenderer(_renderer);
        }

        if (_window != IntPtr.Zero)
        {
            Sdl.DestroyWindow(_window);
            Sdl.QuitSubSystem(Sdl.InitVideo);
        }

        (_window, _renderer) = (IntPtr.Zero, IntPtr.Zero);
    }

    private void Open(int width, int height)
    {
        (_tileWidth, _tileHeight) = (width, height);
        if (Sdl.InitSubSystem(Sdl.InitVideo) != 0)
        {
            Fail("starting SDL's video");
        }

        _window = Sdl.CreateWindow(_title, Sdl.WindowPositionUndefined, Sdl.WindowPositionUndefined, width, height, Sdl.WindowShown);
        if (_window == IntPtr.Zero)
        {
            Fail("opening the window");
        }

        _renderer = Sdl.CreateRenderer(_window, -1, Sdl.RendererSoftware);
        if (_renderer == IntPtr.Zero)
        {
            Fail("making its renderer");
        }
    }

    private int PlaceTile(uint ssrc, int width, int height, int index)
    {
        IntPtr texture = Sdl.CreateTexture(_renderer, Sdl.PixelFormatIyuv, Sdl.TextureAccessStreaming, width, height);
        if (texture == IntPtr.Zero)
        {
            Fail("making a texture");
        }

        if (index >= 0)
        {
            Sdl.DestroyTexture(_tiles[index].Texture);
            _tiles[index] = (ssrc, texture, width, height);
            return index;
        }

        _tiles.Add((ssrc, texture, width, height));
        Layout();
        return _tiles.Count - 1;
    }

    /// <summary>The window's size for the tiles: a grid as square as it can be.</summary>
    private void Layout()
    {
        (int columns, int rows) = Grid(Math.Max(1, _tiles.Count));
        Sdl.SetWindowSize(_window, columns * _tileWidth, rows * _tileHeight);
    }

    private static (int Columns, int Rows) Grid(int tiles)
    {
        int columns = (int)Math.Ceiling(Math.Sqrt(tiles));
        return (columns, (tiles + columns - 1) / columns);
    }

    private void Present()
    {
        fixed (byte* e = _event)
        {
            while (Sdl.PollEvent(e) != 0)
            {
                // Drained so the window stays responsive; closing it does not end the call.
            }
        }

        _ = Sdl.RenderClear(_renderer);
        (int columns, int _) = Grid(_tiles.Count);
        for (int i = 0; i < _tiles.Count; i++)
        {
            var place = new Sdl.Rect { X = i % columns * _tileWidth, Y = i / columns * _tileHeight, W = _tileWidth, H = _tileHeight };
            _ = Sdl.RenderCopy(_renderer, _tiles[i].Texture, null, &place);
        }

        Sdl.RenderPresent(_renderer);
    }

    private void Fail(string what)
    {
        _failed = true;
        string reason = Marshal.PtrToStringUTF8((IntPtr)Sdl.GetError()) ?? "unknown";
        throw new InvalidOperationException($"SDL failed {what}: {reason}.");
    }
}
