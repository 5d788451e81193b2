using System.Runtime;

namespace InterCom.Core.Diagnostics;

/// <summary>
/// While any call or device stream is open, asks the garbage collector to avoid blocking full
/// collections (<see cref="GCLatencyMode.SustainedLowLatency"/>): a blocking gen-2 collection stops
/// every managed thread, the audio callback included, and is heard as a dropout. The mode is
/// process-wide, so it is reference counted and the previous mode comes back when the last one closes.
/// </summary>
internal static class RealTimeGc
{
    private static readonly Lock s_gate = new();
    private static int s_users;
    private static GCLatencyMode s_previous;

    public static void Enter()
    {
        lock (s_gate)
        {
            if (s_users++ == 0)
            {
                s_previous = GCSettings.LatencyMode;
                if (s_previous is GCLatencyMode.Batch or GCLatencyMode.Interactive)
                {
                    GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
                }
            }
        }
    }

    public static void Exit()
    {
        lock (s_gate)
        {
            if (s_users > 0 && --s_users == 0 && GCSettings.LatencyMode == GCLatencyMode.SustainedLowLatency)
            {
                GCSettings.LatencyMode = s_previous;
            }
        }
    }
}
