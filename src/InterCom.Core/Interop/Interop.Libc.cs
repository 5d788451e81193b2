using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>The C library's precise sleep (Linux): a pacer wakes once per frame at its deadline, not once per millisecond slice.</summary>
    internal static partial class Libc
    {
        private const int ClockMonotonic = 1;
        private const int TimerAbsolute = 1;
        private const int Interrupted = 4; // EINTR

        /// <summary>Whether <see cref="SleepUntil"/> can be used: Linux, whose Stopwatch counts CLOCK_MONOTONIC nanoseconds.</summary>
        public static bool HasAbsoluteSleep { get; } = OperatingSystem.IsLinux() && System.Diagnostics.Stopwatch.Frequency == 1_000_000_000;

        /// <summary>Sleeps until <paramref name="deadline"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), through signals.</summary>
        public static void SleepUntil(long deadline)
        {
            var time = new TimeSpec { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
            while (ClockNanosleep(ClockMonotonic, TimerAbsolute, in time, IntPtr.Zero) == Interrupted)
            {
                // A signal (the runtime's own, for a GC suspension) woke us early: the deadline stands.
            }
        }

        [LibraryImport("libc.so.6", EntryPoint = "clock_nanosleep")] // the versioned name: "libc.so" is a linker script that only libc6-dev installs
        private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remaining);

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}
