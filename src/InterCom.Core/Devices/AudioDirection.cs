namespace InterCom.Core.Devices;

/// <summary>Which way audio flows through a device.</summary>
public enum AudioDirection
{
    /// <summary>Capture (microphone, line in, JACK input ports).</summary>
    Input,

    /// <summary>Playback (speakers, line out, JACK output ports).</summary>
    Output,
}
