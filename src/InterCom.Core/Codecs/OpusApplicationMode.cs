namespace InterCom.Core.Codecs;

/// <summary>What the Opus encoder optimizes for (OPUS_APPLICATION_*).</summary>
public enum OpusApplicationMode
{
    /// <summary>Speech intelligibility (OPUS_APPLICATION_VOIP), the default for calls.</summary>
    Voip,

    /// <summary>Faithfulness to the input, e.g. music (OPUS_APPLICATION_AUDIO).</summary>
    Audio,

    /// <summary>Lowest algorithmic delay, CELT only (OPUS_APPLICATION_RESTRICTED_LOWDELAY).</summary>
    RestrictedLowDelay,
}
