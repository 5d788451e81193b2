namespace InterCom.Core.Audio;

/// <summary>How samples are stored in a WAV file.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed integer PCM (WAVE_FORMAT_PCM). Plays everywhere.</summary>
    Pcm16,

    /// <summary>32-bit IEEE float (WAVE_FORMAT_IEEE_FLOAT). Lossless for the pipeline's float samples.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The name of the sample format.")]
    Float32,
}
