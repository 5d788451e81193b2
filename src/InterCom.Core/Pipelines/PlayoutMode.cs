namespace InterCom.Core.Pipelines;

/// <summary>How the receiving half's mix reaches the sink; chosen where the session is built.</summary>
public enum PlayoutMode
{
    /// <summary>
    /// <see cref="Pull"/> when the sink is a PortAudio playback device and the decoder allocates nothing
    /// (native libopus, or L16); otherwise <see cref="Thread"/>. The default.
    /// </summary>
    Automatic,

    /// <summary>
    /// The device's audio callback takes each period straight from the jitter buffers and the mixer:
    /// no thread and no ring in between, the least delay. Only for a PortAudio playback sink and a
    /// decoder that allocates nothing (the callback must not).
    /// </summary>
    Pull,

    /// <summary>
    /// A playout thread mixes a frame at a time into the output pipe: paced by the wall clock with no sink
    /// or a file, by the device's ring with a device (a period more delay than <see cref="Pull"/>).
    /// </summary>
    Thread,
}
