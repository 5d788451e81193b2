namespace InterCom.Core.Devices;

/// <summary>What a call does when its audio device stops by itself (<c>--on-device-loss</c>).</summary>
public enum DeviceLossPolicy
{
    /// <summary>Go on without the device and reopen it, with backoff, until it is back (the default).</summary>
    Retry,

    /// <summary>Give up on the device (<see cref="AudioDeviceState.Failed"/>): the application ends the call.</summary>
    Fail,
}
