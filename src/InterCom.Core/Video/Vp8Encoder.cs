using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Video;

/// <summary>
/// VP8 through libvpx, set for a call: realtime deadline, CBR, no lag, error-resilient, one token
/// partition, a keyframe on request and at least every <see cref="KeyframeInterval"/>; a frame the bitrate
/// cannot carry is dropped by the encoder (<see cref="Encode"/> then gives nothing). One thread.
/// </summary>
internal sealed unsafe class Vp8Encoder : IDisposable
{
    private readonly byte* _context;
    private readonly byte* _config;
    private readonly byte* _image;
    private readonly VideoFormat _format;
    private byte[] _output = new byte[1 << 16];
    private long _pts;
    private bool _disposed;

    /// <summary>Opens an encoder for <paramref name="format"/> at <paramref name="bitrate"/> bits per second.</summary>
    /// <exception cref="PlatformNotSupportedException">libvpx is missing or another release.</exception>
    /// <exception cref="InvalidOperationException">libvpx refused the settings.</exception>
    public Vp8Encoder(VideoFormat format, int bitrate, TimeSpan keyframeInterval)
    {
        VpxLibrary.EnsureUsable();
        format.Validate(nameof(format));
        _format = format;
        KeyframeInterval = keyframeInterval;
        _context = (byte*)NativeMemory.AllocZeroed((nuint)Vpx.ContextSize);
        _config = (byte*)NativeMemory.AllocZeroed((nuint)Vpx.EncoderConfigSize);
        _image = (byte*)NativeMemory.AllocZeroed((nuint)Vpx.ImageSize);
        try
        {
            IntPtr iface = Vpx.Vp8EncoderInterface();
            Check(Vpx.EncoderConfigDefault(iface, _config, 0), "reading the default configuration");
            VpxLibrary.Write(_config, Vpx.CfgThreads, (uint)Math.Clamp(Environment.ProcessorCount / 2, 1, 4));
            VpxLibrary.Write(_config, Vpx.CfgWidth, (uint)format.Width);
            VpxLibrary.Write(_config, Vpx.CfgHeight, (uint)format.Height);
            VpxLibrary.Write(_config, Vpx.CfgTimebaseNum, 1);
            VpxLibrary.Write(_config, Vpx.CfgTimebaseDen, VideoFormat.ClockRate);
            VpxLibrary.Write(_config, Vpx.CfgErrorResilient, Vpx.ErrorResilientDefault);
            VpxLibrary.Write(_config, Vpx.CfgLagInFrames, 0);
            VpxLibrary.Write(_config, Vpx.CfgDropFrameThreshold, 30); // a frame the rate cannot carry is skipped (buffer under 30 %), not sent late
            VpxLibrary.Write(_config, Vpx.CfgResizeAllowed, 0);
            VpxLibrary.Write(_config, Vpx.CfgEndUsage, Vpx.EndUsageCbr);
            VpxLibrary.Write(_config, Vpx.CfgMinQuantizer, 2);
            VpxLibrary.Write(_config, Vpx.CfgMaxQuantizer, 56);
            VpxLibrary.Write(_config, Vpx.CfgUndershootPct, 100);
            VpxLibrary.Write(_config, Vpx.CfgOvershootPct, 15);
            VpxLibrary.Write(_config, Vpx.CfgBufferSize, 1000);        // ms: a short buffer keeps frame sizes even
            VpxLibrary.Write(_config, Vpx.CfgBufferInitialSize, 500);
            VpxLibrary.Write(_config, Vpx.CfgBufferOptimalSize, 600);
            VpxLibrary.Write(_config, Vpx.CfgKeyframeMode, Vpx.KeyframeAuto);
            VpxLibrary.Write(_config, Vpx.CfgKeyframeMinDistance, 0);
            VpxLibrary.Write(_config, Vpx.CfgKeyframeMaxDistance, (uint)Math.Max(1, keyframeInterval.TotalSeconds * format.FramesPerSecond));
            SetTarget(bitrate);
            Check(Vpx.EncoderInit(_context, iface, _config, 0, Vpx.EncoderAbiVersion), "opening the encoder");
            Check(Vpx.Control(_context, Vpx.ControlCpuUsed, 8), "setting the speed");  // as GStreamer's realtime preset
            Check(Vpx.Control(_context, Vpx.ControlNoiseSensitivity, 0), "turning denoising off");
            Check(Vpx.Control(_context, Vpx.ControlStaticThreshold, 1), "setting the static threshold");
            Check(Vpx.Control(_context, Vpx.ControlTokenPartitions, 0), "setting one partition");
            Check(Vpx.Control(_context, Vpx.ControlMaxIntraBitratePct, 300), "bounding keyframe size"); // a keyframe at most 3 frames' worth
        }
        catch
        {
            Free();
            throw;
        }

        Bitrate = bitrate;
    }

    /// <summary>The target bitrate now, bits per second.</summary>
    public int Bitrate { get; private set; }

    /// <summary>A keyframe at least this often.</summary>
    public TimeSpan KeyframeInterval { get; }

    /// <summary>Changes the target bitrate; takes effect from the next frame.</summary>
    public void SetBitrate(int bitrate)
    {
        if (bitrate == Bitrate)
        {
            return;
        }

        SetTarget(bitrate);
        Check(Vpx.EncoderConfigSet(_context, _config), "changing the bitrate");
        Bitrate = bitrate;
    }

    /// <summary>Encodes one frame (of the encoder's size); the result stays valid until the next call.</summary>
    /// <param name="frame">The picture.</param>
    /// <param name="forceKeyframe">Whether this frame must be a keyframe (a receiver asked).</param>
    /// <param name="isKeyframe">Whether the result is a keyframe.</param>
    /// <returns>The encoded frame; empty when the encoder produced none.</returns>
    public ReadOnlySpan<byte> Encode(VideoFrame frame, bool forceKeyframe, out bool isKeyframe)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (frame.Width != _format.Width || frame.Height != _format.Height)
        {
            throw new ArgumentException($"A {frame.Width}x{frame.Height} frame reached a {_format.Width}x{_format.Height} encoder.", nameof(frame));
        }

        isKeyframe = false;
        int length = 0;
        long duration = VideoFormat.ClockRate / _format.FramesPerSecond;
        fixed (byte* data = frame.Data)
        {
            Vpx.ImageWrap(_image, Vpx.ImageFormatI420, (uint)frame.Width, (uint)frame.Height, 1, data);
            Check(Vpx.Encode(_context, _image, _pts, new CULong((nuint)duration), forceKeyframe ? Vpx.FlagForceKeyframe : 0, new CULong((nuint)Vpx.DeadlineRealtime)), "encoding");
        }

        _pts += duration;
        IntPtr iterator = IntPtr.Zero;
        byte* packet;
        while ((packet = Vpx.GetEncodedData(_context, &iterator)) != null)
        {
            if (*(int*)(packet + Vpx.PktKind) != Vpx.PacketKindFrame)
            {
                continue;
            }

            int size = checked((int)*(nuint*)(packet + Vpx.PktSize));
            if (_output.Length < length + size)
            {
                Array.Resize(ref _output, Math.Max(_output.Length * 2, length + size)); // grows to the largest keyframe, then stays
            }

            new ReadOnlySpan<byte>(*(byte**)(packet + Vpx.PktBuffer), size).CopyTo(_output.AsSpan(length));
            length += size;
            isKeyframe |= (*(uint*)(packet + Vpx.PktFlags) & Vpx.FrameIsKey) != 0;
        }

        return _output.AsSpan(0, length);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = Vpx.Destroy(_context);
            Free();
        }
    }

    private void SetTarget(int bitrate) => VpxLibrary.Write(_config, Vpx.CfgTargetBitrate, (uint)Math.Max(1, bitrate / 1000));

    private void Free()
    {
        NativeMemory.Free(_context);
        NativeMemory.Free(_config);
        NativeMemory.Free(_image);
    }

    private void Check(int status, string what)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"libvpx failed {what}: {VpxLibrary.Describe(status, _context)}.");
        }
    }
}
