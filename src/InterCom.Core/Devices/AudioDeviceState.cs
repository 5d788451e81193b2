namespace InterCom.Core.Devices;

/// <summary>What a call's audio device is doing (<c>AudioEndpoints.DeviceState</c>).</summary>
public enum AudioDeviceState
{
    /// <summary>No device: the call's input and output are tones or files.</summary>
    None,

    /// <summary>The device stream runs.</summary>
    Running,

    /// <summary>
    /// The device stopped by itself (unplugged, its audio server gone); the call goes on without it,
    /// sending silence and receiving, and the device is reopened as soon as it is back.
    /// </summary>
    Lost,

    /// <summary>The device was lost and <see cref="DeviceLossPolicy.Fail"/> says not to wait for it.</summary>
    Failed,

    /// <summary>Closed by its owner.</summary>
    Closed,
}
