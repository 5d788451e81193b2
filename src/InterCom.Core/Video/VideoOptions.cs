namespace InterCom.Core.Video;

/// <summary>How a call carries video (VP8 over RTP, RFC 7741). Immutable; every default is stated.</summary>
public sealed record VideoOptions
{
    /// <summary>The default ceiling of the video bitrate: 1 000 000 b/s.</summary>
    public const int DefaultBitrate = 1_000_000;

    /// <summary>The size and rate sent; default 640 × 360 at 30 fps. A source of another size is scaled to it.</summary>
    public VideoFormat Format { get; init; } = VideoFormat.Default;

    /// <summary>The highest bitrate the video is sent at, bits per second (the rate control lowers it on congestion); default 1 000 000.</summary>
    public int Bitrate { get; init; } = DefaultBitrate;

    /// <summary>The lowest bitrate the rate control goes down to (the encoder then skips frames); default 50 000 b/s.</summary>
    public int MinBitrate { get; init; } = 50_000;

    /// <summary>A keyframe at least this often, besides those the receivers ask for; default 5 s.</summary>
    public TimeSpan KeyframeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a sender's video waits for its audio (lip sync: a frame is shown when the audio captured with
    /// it plays, by the sender reports' clock); default on. Off, each frame is shown as soon as it decodes:
    /// the least video delay, at the audio buffer's delay apart.
    /// </summary>
    public bool LipSync { get; init; } = true;

    /// <summary>The RTP payload type of VP8; default 97 (96 is L16's, 111 Opus's).</summary>
    public int PayloadType { get; init; } = 97;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Format.Validate(nameof(Format));
        if (Bitrate is < 50_000 or > 20_000_000)
        {
            throw new ArgumentException($"Video bitrate {Bitrate} b/s is out of range: 50 000 to 20 000 000.", nameof(Bitrate));
        }

        if (MinBitrate < 10_000 || MinBitrate > Bitrate)
        {
            throw new ArgumentException($"Minimum video bitrate {MinBitrate} b/s must be at least 10 000 and at most the bitrate ({Bitrate}).", nameof(MinBitrate));
        }

        if (KeyframeInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"Keyframe interval {KeyframeInterval.TotalMilliseconds} ms is too short: at least 100 ms.", nameof(KeyframeInterval));
        }

        if (PayloadType is < 96 or > 127 || PayloadType is 96 or 111)
        {
            throw new ArgumentException($"Video payload type {PayloadType} must be dynamic (96 to 127) and not 96 (L16) or 111 (Opus).", nameof(PayloadType));
        }
    }
}
