namespace InterCom.Core.Video;

/// <summary>Copying and nearest-neighbour scaling of I420 planes (a decoder's or camera's rows, a file of another size); cheap and allocation-free.</summary>
internal static unsafe class VideoScaler
{
    /// <summary>Scales <paramref name="source"/> into <paramref name="destination"/>'s size; the timing fields are copied.</summary>
    public static void Scale(VideoFrame source, VideoFrame destination)
    {
        ScalePlane(source.Y, source.Width, source.Height, destination.Y, destination.Width, destination.Height);
        ScalePlane(source.U, source.ChromaWidth, source.ChromaHeight, destination.U, destination.ChromaWidth, destination.ChromaHeight);
        ScalePlane(source.V, source.ChromaWidth, source.ChromaHeight, destination.V, destination.ChromaWidth, destination.ChromaHeight);
        destination.CaptureTimestamp = source.CaptureTimestamp;
        destination.Ssrc = source.Ssrc;
    }

    /// <summary>Scales one plane into a region <paramref name="width"/> × <paramref name="height"/> of a plane of stride <paramref name="stride"/>.</summary>
    public static void ScalePlane(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, Span<byte> destination, int width, int height, int stride = 0)
    {
        stride = stride == 0 ? width : stride;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> from = source.Slice((int)((long)y * sourceHeight / height) * sourceWidth, sourceWidth);
            Span<byte> to = destination.Slice(y * stride, width);
            if (width == sourceWidth)
            {
                from.CopyTo(to);
                continue;
            }

            for (int x = 0; x < width; x++)
            {
                to[x] = from[(int)((long)x * sourceWidth / width)];
            }
        }
    }

    /// <summary>Copies <paramref name="height"/> rows of <paramref name="width"/> bytes, <paramref name="stride"/> apart in native memory, into a packed plane.</summary>
    public static void CopyRows(byte* source, int stride, Span<byte> destination, int width, int height)
    {
        for (int row = 0; row < height; row++)
        {
            new ReadOnlySpan<byte>(source + ((long)row * stride), width).CopyTo(destination.Slice(row * width, width));
        }
    }
}
