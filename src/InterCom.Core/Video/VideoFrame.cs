namespace InterCom.Core.Video;

/// <summary>
/// One I420 picture (planar 4:2:0: a full-size luma plane, then the two chroma planes at half width and
/// height, rounded up), with the moment it was captured. A frame is reused frame after frame: sources fill
/// it, and <see cref="Resize"/> keeps its buffer when the new size fits.
/// </summary>
public sealed class VideoFrame
{
    private byte[] _data = [];

    /// <summary>A black frame of <paramref name="width"/> × <paramref name="height"/>.</summary>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    public VideoFrame(int width, int height)
    {
        Resize(width, height);
        Y.Fill(16);
        U.Fill(128);
        V.Fill(128);
    }

    /// <summary>Pixels per row of the luma plane (its stride: rows are packed).</summary>
    public int Width { get; private set; }

    /// <summary>Rows of the luma plane.</summary>
    public int Height { get; private set; }

    /// <summary>Pixels per row of each chroma plane (its stride).</summary>
    public int ChromaWidth => (Width + 1) / 2;

    /// <summary>Rows of each chroma plane.</summary>
    public int ChromaHeight => (Height + 1) / 2;

    /// <summary>Bytes of the three planes together.</summary>
    public int Length => (Width * Height) + (2 * ChromaWidth * ChromaHeight);

    /// <summary>The three planes back to back (Y, U, V), as a Y4M frame or an I420 buffer lays them out.</summary>
    public Span<byte> Data => _data.AsSpan(0, Length);

    /// <summary>The luma plane.</summary>
    public Span<byte> Y => _data.AsSpan(0, Width * Height);

    /// <summary>The blue-difference chroma plane.</summary>
    public Span<byte> U => _data.AsSpan(Width * Height, ChromaWidth * ChromaHeight);

    /// <summary>The red-difference chroma plane.</summary>
    public Span<byte> V => _data.AsSpan((Width * Height) + (ChromaWidth * ChromaHeight), ChromaWidth * ChromaHeight);

    /// <summary>
    /// When the picture was captured, in <see cref="System.Diagnostics.Stopwatch"/> ticks of this host. On
    /// the receiving side: when its sender captured it, on this host's clock as the sender reports place it
    /// (0 until the first report).
    /// </summary>
    public long CaptureTimestamp { get; set; }

    /// <summary>On the receiving side, the RTP synchronization source the frame came from; 0 for a local frame.</summary>
    public uint Ssrc { get; set; }

    /// <summary>Sets the size; the buffer is kept when it is large enough (the pictures' content is then undefined).</summary>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    public void Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 16384);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 16384);
        Width = width;
        Height = height;
        if (_data.Length < Length)
        {
            _data = new byte[Length];
        }
    }

    /// <summary>Copies <paramref name="source"/>'s size, pictures and timing into this frame.</summary>
    /// <param name="source">The frame to copy.</param>
    public void CopyFrom(VideoFrame source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Resize(source.Width, source.Height);
        source.Data.CopyTo(Data);
        CaptureTimestamp = source.CaptureTimestamp;
        Ssrc = source.Ssrc;
    }
}
