namespace InterCom.Core.Speech;

/// <summary>Whether a speech-processing stage runs.</summary>
public enum SpeechStage
{
    /// <summary>Where it helps: the echo canceller when capture and playback are one device; noise suppression for a device input.</summary>
    Auto,

    /// <summary>Always (for the echo canceller: whenever there is a played signal to take as its reference).</summary>
    On,

    /// <summary>Never.</summary>
    Off,
}
