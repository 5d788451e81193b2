using InterCom.Core.Audio;

namespace InterCom.Core.Devices;

/// <summary>How to open a <see cref="PortAudioStream"/>. At least one of the two devices is required.</summary>
public sealed record PortAudioStreamOptions
{
    /// <summary>The capture device, or <see langword="null"/> for a playback-only stream.</summary>
    public AudioDevice? InputDevice { get; init; }

    /// <summary>The playback device, or <see langword="null"/> for a capture-only stream.</summary>
    public AudioDevice? OutputDevice { get; init; }

    /// <summary>The stream's format; default 48 kHz mono.</summary>
    public AudioFormat Format { get; init; } = AudioFormat.Mono48k;

    /// <summary>
    /// Frames per callback; default 0 lets the host API choose its own period (for JACK: the server's
    /// period, with no extra buffering inside PortAudio).
    /// </summary>
    public int FramesPerBuffer { get; init; }

    /// <summary>Device latency to ask for; default <see langword="null"/> takes the device's default low latency.</summary>
    public TimeSpan? SuggestedLatency { get; init; }

    /// <summary>
    /// Device periods of audio the playback side keeps queued ahead of the callback when samples are
    /// written to <see cref="PortAudioStream.Playback"/>, 1 to 8; default 2. Each period is latency
    /// (5.3 ms at 256 frames, 48 kHz); fewer than 2 leaves the writing thread less than a period of
    /// slack, and a late wake-up is heard as a dropout. A call that plays to the device pulls each
    /// period on the callback instead and queues nothing (see <see cref="Pipelines.IReceiveDecodePlay"/>).
    /// </summary>
    public int PlaybackQueuePeriods { get; init; } = 2;

    /// <summary>Capacity of each ring between the callback and the pipeline; default 200 ms.</summary>
    public TimeSpan RingCapacity { get; init; } = TimeSpan.FromMilliseconds(200);
}
