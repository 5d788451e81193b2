namespace InterCom.Core.Video;

/// <summary>
/// The test pattern's machine-readable stamp, which any decoder can read back: along the top edge the
/// frame number as 32 blocks of 16 × 16 pixels (luma 235 for a 1 bit, 16 for a 0 bit, most significant
/// bit leftmost, from x = 0, y = 0), and below them (y = 16) the capture time as milliseconds since the
/// Unix epoch modulo 2^32, in the same encoding. Needs a frame at least 512 × 32.
/// </summary>
public static class FrameStamp
{
    /// <summary>Pixels per block side.</summary>
    public const int BlockSize = 16;

    /// <summary>Blocks per row (one per bit).</summary>
    public const int Bits = 32;

    private const byte One = 235;
    private const byte Zero = 16;

    /// <summary>Whether a frame of this size has room for the stamp.</summary>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    public static bool Fits(int width, int height) => width >= Bits * BlockSize && height >= 2 * BlockSize;

    /// <summary>Stamps <paramref name="frame"/> with <paramref name="frameNumber"/> and <paramref name="captureMs"/> (nothing when it does not fit).</summary>
    /// <param name="frame">The frame to stamp.</param>
    /// <param name="frameNumber">The frame's number.</param>
    /// <param name="captureMs">Its capture time, Unix milliseconds modulo 2^32.</param>
    public static void Write(VideoFrame frame, uint frameNumber, uint captureMs)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!Fits(frame.Width, frame.Height))
        {
            return;
        }

        WriteRow(frame, 0, frameNumber);
        WriteRow(frame, BlockSize, captureMs);
    }

    /// <summary>Reads the stamp from a luma plane; <see langword="false"/> when any block is not clearly a 0 or a 1 (no stamp, or too damaged).</summary>
    /// <param name="luma">The luma plane.</param>
    /// <param name="stride">Bytes per luma row.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="frameNumber">The frame number read.</param>
    /// <param name="captureMs">The capture time read.</param>
    public static bool TryRead(ReadOnlySpan<byte> luma, int stride, int width, int height, out uint frameNumber, out uint captureMs)
    {
        captureMs = 0;
        frameNumber = 0;
        return Fits(width, height) && stride >= width && luma.Length >= stride * 2 * BlockSize
            && TryReadRow(luma, stride, 0, out frameNumber) && TryReadRow(luma, stride, BlockSize, out captureMs);
    }

    /// <summary>Reads the stamp from <paramref name="frame"/>.</summary>
    /// <param name="frame">The frame to read.</param>
    /// <param name="frameNumber">The frame number read.</param>
    /// <param name="captureMs">The capture time read.</param>
    public static bool TryRead(VideoFrame frame, out uint frameNumber, out uint captureMs)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return TryRead(frame.Y, frame.Width, frame.Width, frame.Height, out frameNumber, out captureMs);
    }

    /// <summary>The frame numbers stamped in a Y4M file's frames, in file order (frames without a readable stamp left out).</summary>
    /// <param name="path">A Y4M file, e.g. one a <see cref="Y4mFileSink"/> wrote.</param>
    public static uint[] ReadFrameNumbers(string path)
    {
        using var source = new Y4mFileSource(path);
        var frame = new VideoFrame(source.Format.Width, source.Format.Height);
        var numbers = new List<uint>();
        for (long i = source.FrameCount; i > 0 && source.Read(frame, CancellationToken.None); i--)
        {
            if (TryRead(frame, out uint number, out _))
            {
                numbers.Add(number);
            }
        }

        return [.. numbers];
    }

    /// <summary>The capture-time field of now: Unix milliseconds modulo 2^32.</summary>
    public static uint NowMs() => unchecked((uint)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static void WriteRow(VideoFrame frame, int top, uint value)
    {
        Span<byte> y = frame.Y;
        for (int bit = 0; bit < Bits; bit++)
        {
            byte level = ((value >> (Bits - 1 - bit)) & 1) != 0 ? One : Zero;
            for (int row = top; row < top + BlockSize; row++)
            {
                y.Slice((row * frame.Width) + (bit * BlockSize), BlockSize).Fill(level);
            }
        }

        // Neutral chroma under the blocks, so a colour converter keeps them grey.
        int chromaTop = top / 2, chromaRows = BlockSize / 2, chromaWidth = Bits * BlockSize / 2;
        for (int row = chromaTop; row < chromaTop + chromaRows; row++)
        {
            frame.U.Slice(row * frame.ChromaWidth, chromaWidth).Fill(128);
            frame.V.Slice(row * frame.ChromaWidth, chromaWidth).Fill(128);
        }
    }

    private static bool TryReadRow(ReadOnlySpan<byte> luma, int stride, int top, out uint value)
    {
        value = 0;
        for (int bit = 0; bit < Bits; bit++)
        {
            // The block's inner 8 × 8: codec ringing lives at its edges.
            int sum = 0;
            for (int row = top + 4; row < top + 12; row++)
            {
                ReadOnlySpan<byte> line = luma.Slice((row * stride) + (bit * BlockSize) + 4, 8);
                foreach (byte b in line)
                {
                    sum += b;
                }
            }

            int mean = sum / 64;
            if (mean is > 80 and < 170)
            {
                return false;
            }

            value = (value << 1) | (mean >= 170 ? 1u : 0u);
        }

        return true;
    }
}
