using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Video;

/// <summary>VP8 decoding through libvpx for one remote stream. One thread.</summary>
internal sealed unsafe class Vp8Decoder : IDisposable
{
    private readonly byte* _context;
    private bool _disposed;

    /// <exception cref="PlatformNotSupportedException">libvpx is missing or another release.</exception>
    public Vp8Decoder()
    {
        VpxLibrary.EnsureUsable();
        _context = (byte*)NativeMemory.AllocZeroed((nuint)Vpx.ContextSize);
        int status = Vpx.DecoderInit(_context, Vpx.Vp8DecoderInterface(), null, 0, Vpx.DecoderAbiVersion);
        if (status != 0)
        {
            string reason = VpxLibrary.Describe(status, _context);
            NativeMemory.Free(_context);
            throw new InvalidOperationException($"libvpx failed opening the VP8 decoder: {reason}.");
        }
    }

    /// <summary>
    /// Decodes one frame into <paramref name="destination"/> (resized to the picture's size).
    /// <see langword="false"/>: the data did not decode, or decoded from a damaged reference (a keyframe is needed).
    /// </summary>
    public bool Decode(ReadOnlySpan<byte> frame, VideoFrame destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (byte* data = frame)
        {
            if (Vpx.Decode(_context, data, (uint)frame.Length, null, 0) != 0)
            {
                return false;
            }
        }

        int corrupted = 0;
        if (Vpx.Control(_context, Vpx.ControlFrameCorrupted, &corrupted) == 0 && corrupted != 0)
        {
            return false;
        }

        IntPtr iterator = IntPtr.Zero;
        byte* image = Vpx.GetFrame(_context, &iterator);
        if (image is null)
        {
            return false;
        }

        int width = *(int*)(image + Vpx.ImgDisplayWidth), height = *(int*)(image + Vpx.ImgDisplayHeight);
        destination.Resize(width, height);
        byte** planes = (byte**)(image + Vpx.ImgPlanes);
        int* strides = (int*)(image + Vpx.ImgStrides);
        CopyPlane(planes[0], strides[0], destination.Y, width, height);
        CopyPlane(planes[1], strides[1], destination.U, destination.ChromaWidth, destination.ChromaHeight);
        CopyPlane(planes[2], strides[2], destination.V, destination.ChromaWidth, destination.ChromaHeight);
        return true;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = Vpx.Destroy(_context);
            NativeMemory.Free(_context);
        }
    }

    private static void CopyPlane(byte* source, int stride, Span<byte> destination, int width, int height)
    {
        for (int row = 0; row < height; row++)
        {
            new ReadOnlySpan<byte>(source + ((long)row * stride), width).CopyTo(destination.Slice(row * width, width));
        }
    }
}
