using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>POSIX real-time scheduling (Linux): .NET's <see cref="Thread.Priority"/> does nothing there.</summary>
    internal static partial class Libc
    {
        private const int SchedFifo = 1; // SCHED_FIFO

        /// <summary>
        /// Puts the calling thread in the SCHED_FIFO class at <paramref name="priority"/>; returns false
        /// where that is not allowed (no CAP_SYS_NICE, RLIMIT_RTPRIO 0) or not Linux, leaving it as it was.
        /// </summary>
        public static bool TrySetRealTimePriority(int priority)
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            var parameter = new SchedParam { Priority = priority };
            return PthreadSetSchedParam(PthreadSelf(), SchedFifo, in parameter) == 0;
        }

        [LibraryImport("libc.so.6", EntryPoint = "pthread_self")]
        private static partial nuint PthreadSelf();

        [LibraryImport("libc.so.6", EntryPoint = "pthread_setschedparam")]
        private static partial int PthreadSetSchedParam(nuint thread, int policy, in SchedParam parameter);

        [StructLayout(LayoutKind.Sequential)]
        private struct SchedParam
        {
            public int Priority;
        }
    }
}
