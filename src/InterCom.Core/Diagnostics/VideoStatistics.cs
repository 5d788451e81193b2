namespace InterCom.Core.Diagnostics;

/// <summary>A snapshot of a call's video: what was sent, and what was received over every video sender.</summary>
public sealed record VideoStatistics
{
    /// <summary>Frames encoded and sent.</summary>
    public long FramesSent { get; init; }

    /// <summary>Keyframes among them (the periodic ones and those receivers asked for).</summary>
    public long KeyframesSent { get; init; }

    /// <summary>The video bitrate the rate control asks of the encoder now, bits per second.</summary>
    public int TargetBitrate { get; init; }

    /// <summary>Packets sent again because a receiver's NACK asked for them.</summary>
    public long PacketsRetransmitted { get; init; }

    /// <summary>Frames whose packets all arrived.</summary>
    public long FramesReceived { get; init; }

    /// <summary>Frames decoded and handed to the sink.</summary>
    public long FramesDecoded { get; init; }

    /// <summary>Frames not shown: given up incomplete, undecodable, or waiting for a keyframe.</summary>
    public long FramesDropped { get; init; }

    /// <summary>Keyframe requests (PLI) sent.</summary>
    public long KeyframesRequested { get; init; }

    /// <summary>NACK messages sent.</summary>
    public long NacksSent { get; init; }

    /// <summary>Packets that were missing and arrived later (retransmitted or reordered).</summary>
    public long PacketsRecovered { get; init; }

    /// <summary>
    /// Time the picture froze, milliseconds: the sum of the gaps between shown frames longer than three
    /// frame intervals and 150 ms over the usual (WebRTC's freeze rule).
    /// </summary>
    public double FreezeMs { get; init; }

    /// <summary>The longest such gap, milliseconds.</summary>
    public double LongestFreezeMs { get; init; }

    /// <summary>Mean time to decode a frame, milliseconds.</summary>
    public double DecodeMs { get; init; }

    /// <summary>Capture to sink, median, milliseconds, read from the test pattern's stamp; <see langword="null"/> without stamped frames.</summary>
    public double? GlassToGlassP50Ms { get; init; }

    /// <summary>Capture to sink, 95th percentile, milliseconds; <see langword="null"/> without stamped frames.</summary>
    public double? GlassToGlassP95Ms { get; init; }

    /// <summary>Stamped frames whose number was not above the one before (out of order or repeated).</summary>
    public long FramesOutOfOrder { get; init; }

    /// <summary>How much later the video plays than the audio it was captured with, milliseconds (negative: earlier); <see langword="null"/> until both streams' sender reports arrived.</summary>
    public double? AvSyncMs { get; init; }
}
