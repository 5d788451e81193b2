using Microsoft.Win32.SafeHandles;
using Libc = InterCom.Core.Interop.Interop.Libc;

namespace InterCom.Core.Devices;

/// <summary>
/// How an audio callback tells a pipeline thread that its ring changed: on Linux an eventfd the
/// callback signals with one non-blocking write, so the thread runs within microseconds of the
/// period instead of at its next 1 ms poll (which moved each packet by up to a millisecond, a
/// different amount every period); elsewhere the thread polls every millisecond.
/// </summary>
internal sealed class DeviceWake : IDisposable
{
    private readonly EventFdHandle? _handle;
    private readonly int _fd = -1;

    public DeviceWake()
    {
        int fd = Libc.CreateEventFd();
        if (fd >= 0)
        {
            _fd = fd;
            _handle = new EventFdHandle(fd);
        }
    }

    /// <summary>From the callback: wakes the waiting thread, if any. Never blocks, locks or allocates.</summary>
    /// <remarks>Only while the stream runs: the descriptor is closed after the stream, never under a callback.</remarks>
    public void Signal()
    {
        if (_fd >= 0)
        {
            Libc.SignalEventFd(_fd);
        }
    }

    /// <summary>Waits for a <see cref="Signal"/> (one since the last wait counts) or <paramref name="timeoutMs"/>.</summary>
    public void Wait(int timeoutMs)
    {
        if (_handle is null)
        {
            Thread.Sleep(1);
            return;
        }

        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added); // the descriptor stays open (and its number ours) until the poll returns
            Libc.WaitEventFd(_fd, timeoutMs);
        }
        catch (ObjectDisposedException)
        {
            // The stream closed meanwhile: the caller sees that.
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Closes the descriptor once no wait uses it.</summary>
    public void Dispose() => _handle?.Dispose();

    private sealed class EventFdHandle : SafeHandleMinusOneIsInvalid
    {
        public EventFdHandle(int fd)
            : base(ownsHandle: true) => SetHandle(fd);

        protected override bool ReleaseHandle()
        {
            Libc.CloseFd((int)handle);
            return true;
        }
    }
}
