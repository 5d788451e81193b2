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
        if (DeclaresOversizedPicture(frame))
        {
            return false; // a peer's keyframe may not make the decoder allocate gigabytes
        }

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
        VideoScaler.CopyRows(planes[0], strides[0], destination.Y, width, height);
        VideoScaler.CopyRows(planes[1], strides[1], destination.U, destination.ChromaWidth, destination.ChromaHeight);
        VideoScaler.CopyRows(planes[2], strides[2], destination.V, destination.ChromaWidth, destination.ChromaHeight);
        return true;
    }

    /// <summary>The largest picture side taken: 4096 (VP8 allows 16383).</summary>
    public const int MaxSide = 4096;

    /// <summary>Whether this is a keyframe (RFC 6386 section 9.1: P bit 0, start code 9d 01 2a) for a picture wider or taller than <see cref="MaxSide"/>.</summary>
    private static bool DeclaresOversizedPicture(ReadOnlySpan<byte> frame)
        => frame.Length >= 10 && (frame[0] & 1) == 0 && frame[3] == 0x9d && frame[4] == 0x01 && frame[5] == 0x2a
            && (((frame[6] | (frame[7] << 8)) & 0x3FFF) > MaxSide || ((frame[8] | (frame[9] << 8)) & 0x3FFF) > MaxSide);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = Vpx.Destroy(_context);
            NativeMemory.Free(_context);
        }
    }
}
