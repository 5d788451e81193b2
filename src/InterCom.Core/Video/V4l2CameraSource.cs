using System.Diagnostics;
using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Video;

/// <summary>
/// A V4L2 camera (<c>/dev/videoN</c>): mmap streaming through libv4l2, which converts the camera's own
/// format (YUYV, MJPEG...) to I420. The size is the nearest the camera offers to the one asked for
/// (the sending side scales it); each frame's capture time is the driver's timestamp. Real-time:
/// <see cref="Read"/> waits for the camera's next frame.
/// </summary>
public sealed unsafe class V4l2CameraSource : IVideoSource
{
    private const int BufferCount = 4;
    private readonly int _fd;
    private readonly (IntPtr Start, nuint Length)[] _buffers;
    private readonly int _bytesPerLine;
    private bool _disposed;

    /// <summary>Opens <paramref name="device"/> and starts it streaming at (about) <paramref name="format"/>.</summary>
    /// <param name="device">The device, e.g. <c>/dev/video0</c>.</param>
    /// <param name="format">The size and rate asked for.</param>
    /// <exception cref="PlatformNotSupportedException">libv4l2 is not installed (the message names the package).</exception>
    /// <exception cref="FileNotFoundException">There is no such device.</exception>
    /// <exception cref="InvalidOperationException">The device is no camera that streams, or refused the format; the message says which.</exception>
    public V4l2CameraSource(string device, VideoFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        format.Validate(nameof(format));
        Device = device;
        Interop.Interop.Libraries.EnsureLoadable(V4l2.Library, V4l2.Package, "libv4l2", "camera capture");
        if (!File.Exists(device))
        {
            throw new FileNotFoundException($"There is no camera at {device} (no such device). 'ls /dev/video*' lists the cameras.", device);
        }

        CheckCapabilities(device); // before libv4l2, which would print its own complaints about a node that is no camera
        _fd = V4l2.Open(device, V4l2.OpenReadWrite | V4l2.OpenNonBlocking | V4l2.OpenCloseOnExec);
        if (_fd < 0)
        {
            throw new InvalidOperationException($"Cannot open {device} through libv4l2: {Marshal.GetLastPInvokeErrorMessage()}.");
        }

        _buffers = new (IntPtr, nuint)[BufferCount];
        try
        {
            (Format, _bytesPerLine) = Negotiate(format);
            MapBuffers();
            uint type = V4l2.TypeVideoCapture;
            Check(V4l2.Ioctl(_fd, new CULong(V4l2.StreamOn), &type), "starting the stream");
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The device read.</summary>
    public string Device { get; }

    /// <inheritdoc/>
    public VideoFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => true;

    /// <inheritdoc/>
    public bool Read(VideoFrame destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte* buffer = stackalloc byte[V4l2.BufferSize];
        while (!cancellationToken.IsCancellationRequested)
        {
            var poll = new V4l2.PollFd { Fd = _fd, Events = V4l2.PollIn };
            if (V4l2.Poll(&poll, 1, 100) <= 0)
            {
                continue; // no frame within 100 ms: look at the token again
            }

            new Span<byte>(buffer, V4l2.BufferSize).Clear();
            *(uint*)(buffer + V4l2.BufType) = V4l2.TypeVideoCapture;
            *(uint*)(buffer + V4l2.BufMemory) = V4l2.MemoryMmap;
            if (V4l2.Ioctl(_fd, new CULong(V4l2.DequeueBuffer), buffer) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == 11) // EAGAIN: woken without a frame
                {
                    continue;
                }

                throw new IOException($"{Device} stopped delivering frames: {Marshal.GetPInvokeErrorMessage(error)}.");
            }

            uint index = *(uint*)(buffer + V4l2.BufIndex);
            uint used = *(uint*)(buffer + V4l2.BufBytesUsed);
            Copy((byte*)_buffers[index].Start, (int)used, destination);
            destination.CaptureTimestamp = CaptureTicks(buffer);
            destination.Ssrc = 0;
            Check(V4l2.Ioctl(_fd, new CULong(V4l2.QueueBuffer), buffer), "handing a buffer back");
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            uint type = V4l2.TypeVideoCapture;
            _ = V4l2.Ioctl(_fd, new CULong(V4l2.StreamOff), &type);
            Release();
        }
    }

    /// <summary>Whether <paramref name="device"/> is a camera that streams, asked of the kernel directly.</summary>
    private static void CheckCapabilities(string device)
    {
        int fd = V4l2.OpenPlain(device, V4l2.OpenReadWrite | V4l2.OpenNonBlocking | V4l2.OpenCloseOnExec);
        if (fd < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"Cannot open {device}: {Marshal.GetPInvokeErrorMessage(error)}{(error == 13 ? " (is the user in the 'video' group?)" : "")}.");
        }

        try
        {
            byte* capability = stackalloc byte[V4l2.CapabilitySize];
            if (V4l2.IoctlPlain(fd, new CULong(V4l2.QueryCapability), capability) != 0)
            {
                throw new InvalidOperationException($"{device} is not a V4L2 device ({Marshal.GetLastPInvokeErrorMessage()}).");
            }

            uint caps = *(uint*)(capability + V4l2.CapabilityCaps);
            if ((caps & V4l2.CapDeviceCaps) != 0)
            {
                caps = *(uint*)(capability + V4l2.CapabilityDeviceCaps); // this node's, not the whole device's
            }

            if ((caps & V4l2.CapVideoCapture) == 0)
            {
                throw new InvalidOperationException($"{device} is not a video capture device (a camera's metadata or output node?).");
            }

            if ((caps & V4l2.CapStreaming) == 0)
            {
                throw new InvalidOperationException($"{device} cannot stream frames (no mmap streaming).");
            }
        }
        finally
        {
            _ = V4l2.ClosePlain(fd);
        }
    }

    private (VideoFormat Format, int BytesPerLine) Negotiate(VideoFormat wanted)
    {
        byte* format = stackalloc byte[V4l2.FormatSize];
        new Span<byte>(format, V4l2.FormatSize).Clear();
        *(uint*)format = V4l2.TypeVideoCapture;
        *(uint*)(format + V4l2.PixWidth) = (uint)wanted.Width;
        *(uint*)(format + V4l2.PixHeight) = (uint)wanted.Height;
        *(uint*)(format + V4l2.PixFormat) = V4l2.PixelFormatYuv420;
        *(uint*)(format + V4l2.PixField) = V4l2.FieldNone;
        Check(V4l2.Ioctl(_fd, new CULong(V4l2.SetFormat), format), $"setting {wanted.Width}x{wanted.Height} I420");
        int width = (int)*(uint*)(format + V4l2.PixWidth), height = (int)*(uint*)(format + V4l2.PixHeight);
        if (*(uint*)(format + V4l2.PixFormat) != V4l2.PixelFormatYuv420 || width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0)
        {
            throw new InvalidOperationException($"{Device} offers no I420 frames near {wanted.Width}x{wanted.Height} (it gave {width}x{height}), even through libv4l2's conversion.");
        }

        byte* parameters = stackalloc byte[V4l2.ParametersSize];
        new Span<byte>(parameters, V4l2.ParametersSize).Clear();
        *(uint*)parameters = V4l2.TypeVideoCapture;
        *(uint*)(parameters + V4l2.TimePerFrame) = 1;
        *(uint*)(parameters + V4l2.TimePerFrame + 4) = (uint)wanted.FramesPerSecond;
        _ = V4l2.Ioctl(_fd, new CULong(V4l2.SetParameters), parameters); // a camera with one rate refuses; its rate then stands
        int bytesPerLine = (int)*(uint*)(format + V4l2.PixBytesPerLine);
        return (new VideoFormat(width, height, wanted.FramesPerSecond), Math.Max(width, bytesPerLine));
    }

    private void MapBuffers()
    {
        byte* request = stackalloc byte[V4l2.RequestSize];
        new Span<byte>(request, V4l2.RequestSize).Clear();
        *(uint*)request = BufferCount;
        *(uint*)(request + 4) = V4l2.TypeVideoCapture;
        *(uint*)(request + 8) = V4l2.MemoryMmap;
        Check(V4l2.Ioctl(_fd, new CULong(V4l2.RequestBuffers), request), "asking for buffers");
        if (*(uint*)request < BufferCount)
        {
            throw new InvalidOperationException($"{Device} gave {*(uint*)request} buffers; {BufferCount} are needed.");
        }

        byte* buffer = stackalloc byte[V4l2.BufferSize];
        for (uint i = 0; i < BufferCount; i++)
        {
            new Span<byte>(buffer, V4l2.BufferSize).Clear();
            *(uint*)(buffer + V4l2.BufIndex) = i;
            *(uint*)(buffer + V4l2.BufType) = V4l2.TypeVideoCapture;
            *(uint*)(buffer + V4l2.BufMemory) = V4l2.MemoryMmap;
            Check(V4l2.Ioctl(_fd, new CULong(V4l2.QueryBuffer), buffer), "reading a buffer's place");
            nuint length = *(uint*)(buffer + V4l2.BufLength);
            void* start = V4l2.Map(null, length, V4l2.ProtRead | V4l2.ProtWrite, V4l2.MapShared, _fd, *(uint*)(buffer + V4l2.BufOffset));
            if (start == (void*)-1)
            {
                throw new InvalidOperationException($"Cannot map {Device}'s buffer {i}: {Marshal.GetLastPInvokeErrorMessage()}.");
            }

            _buffers[i] = ((IntPtr)start, length);
            Check(V4l2.Ioctl(_fd, new CULong(V4l2.QueueBuffer), buffer), "queueing a buffer");
        }
    }

    /// <summary>The I420 frame in a mapped buffer, rows <see cref="_bytesPerLine"/> apart, into <paramref name="destination"/>.</summary>
    private void Copy(byte* data, int used, VideoFrame destination)
    {
        destination.Resize(Format.Width, Format.Height);
        int lumaStride = _bytesPerLine, chromaStride = _bytesPerLine / 2;
        int needed = (lumaStride * Format.Height) + (2 * chromaStride * (Format.Height / 2));
        if (used < needed)
        {
            return; // a short frame (the driver's): the last picture stays
        }

        VideoScaler.CopyRows(data, lumaStride, destination.Y, destination.Width, destination.Height);
        byte* u = data + (lumaStride * Format.Height);
        VideoScaler.CopyRows(u, chromaStride, destination.U, destination.ChromaWidth, destination.ChromaHeight);
        VideoScaler.CopyRows(u + (chromaStride * (Format.Height / 2)), chromaStride, destination.V, destination.ChromaWidth, destination.ChromaHeight);
    }

    /// <summary>The driver's capture time when it is on the monotonic clock (Stopwatch's on Linux), else now.</summary>
    private static long CaptureTicks(byte* buffer)
    {
        if ((*(uint*)(buffer + V4l2.BufFlags) & V4l2.FlagTimestampMask) != V4l2.FlagTimestampMonotonic || Stopwatch.Frequency != 1_000_000_000)
        {
            return Stopwatch.GetTimestamp();
        }

        long seconds = *(long*)(buffer + V4l2.BufTimestamp), micros = *(long*)(buffer + V4l2.BufTimestamp + 8);
        return (seconds * 1_000_000_000) + (micros * 1000);
    }

    private void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{Device} failed {what}: {Marshal.GetLastPInvokeErrorMessage()}.");
        }
    }

    private void Release()
    {
        if (_buffers is null)
        {
            return;
        }

        foreach ((IntPtr start, nuint length) in _buffers)
        {
            if (start != IntPtr.Zero)
            {
                _ = V4l2.Unmap((void*)start, length);
            }
        }

        if (_fd >= 0)
        {
            _ = V4l2.Close(_fd);
        }
    }
}
