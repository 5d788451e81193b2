namespace InterCom.Core.Rtp;

/// <summary>
/// The VP8 payload format (RFC 7741): the payload descriptor we write (X and I set, a 15-bit PictureID,
/// partition 0), the descriptors we read (every optional field), and a frame's split into fragments of
/// even size. A frame starts at a packet with S = 1 and partition index 0; S = 1 with a higher index is a
/// later partition of the same frame.
/// </summary>
internal static class Vp8Payload
{
    /// <summary>Bytes of the descriptor we write.</summary>
    public const int DescriptorSize = 4;

    /// <summary>The PT of VP8 in plain-RTP calls (no SDP to negotiate it).</summary>
    public const byte DefaultPayloadType = 97;

    /// <summary>How many packets a frame of <paramref name="frameBytes"/> needs when each carries at most <paramref name="maxPayload"/> bytes after its descriptor.</summary>
    public static int FragmentCount(int frameBytes, int maxPayload) => Math.Max(1, (frameBytes + maxPayload - 1) / maxPayload);

    /// <summary>
    /// Writes fragment <paramref name="index"/> of <paramref name="count"/> of <paramref name="frame"/> (descriptor
    /// and data) into <paramref name="destination"/>; returns its length. Fragments differ in size by at most a byte.
    /// </summary>
    public static int WriteFragment(Span<byte> destination, ReadOnlySpan<byte> frame, int index, int count, ushort pictureId)
    {
        int start = (int)((long)frame.Length * index / count);
        int end = (int)((long)frame.Length * (index + 1) / count);
        destination[0] = (byte)(0x80 | (index == 0 ? 0x10 : 0));  // X; S on the first; N = 0; PID = 0
        destination[1] = 0x80;                                       // I: a PictureID follows
        destination[2] = (byte)(0x80 | ((pictureId >> 8) & 0x7F));  // M: 15 bits
        destination[3] = (byte)pictureId;
        frame[start..end].CopyTo(destination[DescriptorSize..]);
        return DescriptorSize + (end - start);
    }

    /// <summary>Reads a payload descriptor; <see langword="false"/> when it is cut short or carries no data.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Vp8Descriptor descriptor)
    {
        descriptor = default;
        if (payload.Length < 2)
        {
            return false;
        }

        byte first = payload[0];
        int offset = 1;
        int pictureId = -1;
        if ((first & 0x80) != 0)
        {
            byte extension = payload[offset++];
            if ((extension & 0x80) != 0)
            {
                if (offset >= payload.Length)
                {
                    return false;
                }

                if ((payload[offset] & 0x80) != 0)
                {
                    if (offset + 1 >= payload.Length)
                    {
                        return false;
                    }

                    pictureId = ((payload[offset] & 0x7F) << 8) | payload[offset + 1];
                    offset += 2;
                }
                else
                {
                    pictureId = payload[offset++] & 0x7F;
                }
            }

            offset += (extension & 0x40) != 0 ? 1 : 0;          // L: TL0PICIDX
            offset += (extension & 0x30) != 0 ? 1 : 0;          // T or K: TID/Y/KEYIDX
        }

        if (offset >= payload.Length)
        {
            return false;
        }

        bool start = (first & 0x10) != 0;
        int partition = first & 0x07;
        bool frameStart = start && partition == 0;
        descriptor = new Vp8Descriptor(offset, frameStart, pictureId, frameStart && (payload[offset] & 0x01) == 0);
        return true;
    }
}

/// <summary>What a VP8 payload descriptor says.</summary>
/// <param name="DataOffset">Where the VP8 data starts in the payload.</param>
/// <param name="FrameStart">The packet starts a frame (S = 1, partition 0).</param>
/// <param name="PictureId">The 7- or 15-bit PictureID, or -1 when absent.</param>
/// <param name="IsKeyframe">The frame it starts is a keyframe (the VP8 frame tag's P bit is 0).</param>
internal readonly record struct Vp8Descriptor(int DataOffset, bool FrameStart, int PictureId, bool IsKeyframe);
