using System.Diagnostics;

namespace InterCom.Core.Pipelines;

/// <summary>
/// Paces a loop to one frame per frame duration by the monotonic clock, against absolute deadlines
/// (start + n × period), so waiting errors never accumulate into drift. Used where no device clock
/// drives the pipeline: file and tone sources, file sinks, and a device's stand-in while it is lost.
/// </summary>
/// <remarks>
/// After falling behind by up to 20 frames (a stall, a GC pause), the missed frames run back to back:
/// a source sends what fell due, as a device's ring would have kept it, and playout pulls faster to
/// drain what queued meanwhile. Beyond 20 frames (the machine was suspended) the schedule restarts.
/// </remarks>
/// <param name="period">One frame's duration.</param>
internal sealed class FramePacer(TimeSpan period)
{
    private readonly long _periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
    private long _start = -1;
    private long _frames;

    /// <summary>Waits until the next frame is due; returns <see langword="false"/> if cancelled.</summary>
    public bool WaitNext(CancellationToken cancellationToken)
    {
        long now = Stopwatch.GetTimestamp();
        if (_start < 0)
        {
            _start = now;
        }

        long due = _start + (_frames * _periodTicks);
        _frames++;
        if (Math.Abs(due - now) > 20 * _periodTicks)
        {
            // Far behind or ahead (machine suspended, clock stepped): restart the schedule from now.
            _start = now;
            _frames = 1;
            return !cancellationToken.IsCancellationRequested;
        }

        if (Interop.Interop.Libc.HasAbsoluteSleep)
        {
            // One wake-up per frame, at its deadline; a stop is seen within a frame.
            if (due > Stopwatch.GetTimestamp())
            {
                Interop.Interop.Libc.SleepUntil(due);
            }

            return !cancellationToken.IsCancellationRequested;
        }

        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            // Sleep, never spin: a spinning pacer per pipeline thread would take the CPU that the
            // other threads need (measured: four of them at 2.5 ms frames starved a 2-core machine).
            // Waking up to ~1 ms late costs nothing: deadlines are absolute, so no error accumulates.
            double ms = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (ms <= 0.25)
            {
                return true;
            }

            Thread.Sleep(Math.Max(1, (int)ms));
        }
    }
}
