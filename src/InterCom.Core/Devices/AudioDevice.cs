namespace InterCom.Core.Devices;

/// <summary>An audio device as PortAudio lists it.</summary>
/// <param name="Index">PortAudio's device index (valid while PortAudio stays initialized with the same server set).</param>
/// <param name="Name">The device name, e.g. <c>system</c> for the JACK server's ports.</param>
/// <param name="HostApi">The host API's name, e.g. <c>JACK Audio Connection Kit</c> or <c>ALSA</c>.</param>
/// <param name="MaxInputChannels">Capture channels (0 for an output-only device).</param>
/// <param name="MaxOutputChannels">Playback channels (0 for an input-only device).</param>
/// <param name="DefaultSampleRate">The device's default sample rate in hertz.</param>
/// <param name="DefaultLowInputLatency">PortAudio's suggested low capture latency, in seconds.</param>
/// <param name="DefaultLowOutputLatency">PortAudio's suggested low playback latency, in seconds.</param>
/// <param name="IsDefaultInput">Whether PortAudio names it the default capture device.</param>
/// <param name="IsDefaultOutput">Whether PortAudio names it the default playback device.</param>
public sealed record AudioDevice(
    int Index,
    string Name,
    string HostApi,
    int MaxInputChannels,
    int MaxOutputChannels,
    double DefaultSampleRate,
    double DefaultLowInputLatency,
    double DefaultLowOutputLatency,
    bool IsDefaultInput,
    bool IsDefaultOutput)
{
    /// <inheritdoc/>
    public override string ToString() => $"#{Index} '{Name}' ({HostApi})";
}
