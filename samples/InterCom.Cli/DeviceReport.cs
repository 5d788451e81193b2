using InterCom.Core.Devices;
using InterCom.Core.Hosting;

namespace InterCom.Cli;

/// <summary>What a call's audio device went through: its state now, times lost, times reopened; and what resampling it to the call's rate adds (null: not known here).</summary>
internal sealed record DeviceReport(AudioDeviceState State, long Lost, long Reopened, double? ResamplingMs = null)
{
    public static DeviceReport Of(AudioEndpoints endpoints)
        => new(endpoints.DeviceState, endpoints.DeviceLosses, endpoints.DeviceReopenings, Math.Round(endpoints.ResamplingDelay.TotalMilliseconds, 2));

    /// <summary>Both workers' devices, from the shared counters: lost while they were lost more often than reopened.</summary>
    public static DeviceReport Of(ProcessHost host, bool anyDevice)
    {
        long lost = host.DeviceLosses, reopened = host.DeviceReopenings;
        return new(!anyDevice ? AudioDeviceState.None : lost > reopened ? AudioDeviceState.Lost : AudioDeviceState.Running, lost, reopened);
    }

    /// <summary>The state as the status line and the JSON spell it.</summary>
    public string StateName => State.ToString().ToLowerInvariant();
}
