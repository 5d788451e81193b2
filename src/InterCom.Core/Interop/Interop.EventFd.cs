using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>Linux eventfd: an audio callback wakes a pipeline thread with one non-blocking write, no lock and no allocation.</summary>
    internal static partial class Libc
    {
        private const int NonBlocking = 0x800;     // EFD_NONBLOCK (= O_NONBLOCK)
        private const int CloseOnExec = 0x80000;   // EFD_CLOEXEC: a worker process started later must not hold it
        private const short PollIn = 1;            // POLLIN

        /// <summary>A new non-blocking eventfd, or -1 (not Linux, or the kernel refused).</summary>
        public static int CreateEventFd() => OperatingSystem.IsLinux() ? EventFd(0, NonBlocking | CloseOnExec) : -1;

        /// <summary>Adds one to the eventfd's count: the waiter's poll returns. Never blocks.</summary>
        public static unsafe void SignalEventFd(int fd)
        {
            ulong one = 1;
            _ = Write(fd, &one, sizeof(ulong));
        }

        /// <summary>Waits until the eventfd has been signalled or <paramref name="timeoutMs"/> has passed, and clears its count.</summary>
        public static unsafe void WaitEventFd(int fd, int timeoutMs)
        {
            var poll = new PollFd { Fd = fd, Events = PollIn };
            if (Poll(&poll, 1, timeoutMs) > 0)
            {
                ulong count;
                _ = Read(fd, &count, sizeof(ulong)); // non-blocking: another waiter may have cleared it first
            }
        }

        /// <summary>Closes a descriptor.</summary>
        public static void CloseFd(int fd) => _ = Close(fd);

        [LibraryImport("libc.so.6", EntryPoint = "eventfd")]
        private static partial int EventFd(uint initial, int flags);

        [LibraryImport("libc.so.6", EntryPoint = "write")]
        private static unsafe partial nint Write(int fd, void* buffer, nuint count);

        [LibraryImport("libc.so.6", EntryPoint = "read")]
        private static unsafe partial nint Read(int fd, void* buffer, nuint count);

        [LibraryImport("libc.so.6", EntryPoint = "poll")]
        private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

        [LibraryImport("libc.so.6", EntryPoint = "close")]
        private static partial int Close(int fd);

        [StructLayout(LayoutKind.Sequential)]
        private struct PollFd
        {
            public int Fd;
            public short Events;
            public short Returned;
        }
    }
}
