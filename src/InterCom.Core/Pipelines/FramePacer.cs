using System.Diagnostics;

namespace InterCom.Core.Pipelines;

/// <summary>
/// Paces a loop to one frame per frame duration by the monotonic clock, against absolute deadlines
/// (start + n × period), so waiting errors never accumulate into drift. Used where no device clock
/// drives the pipeline: file and tone sources, file sinks.
/// </summary>
/// <param name="period">One frame's duration.</param>
/// <param name="catchUp">
/// What to do after falling behind (a stall, JIT compilation at start-up): <see langword="true"/> runs
/// the missed frames back to back (playout: pulling faster drains what queued up meanwhile);
/// <see langword="false"/> skips them and restarts the schedule from now (a source: a burst of frames
/// would sit in the receiver's buffer as added delay).
/// </param>
internal sealed class FramePacer(TimeSpan period, bool catchUp)
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
        if (Math.Abs(due - now) > 20 * _periodTicks || (!catchUp && now - due > 2 * _periodTicks))
        {
            // Far behind or ahead (machine suspended, clock stepped): restart the schedule from now.
            _start = now;
            _frames = 1;
            return !cancellationToken.IsCancellationRequested;
        }

        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            long remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return true;
            }

            double ms = remaining * 1000.0 / Stopwatch.Frequency;
            if (ms >= 1.5)
            {
                Thread.Sleep((int)(ms - 0.5));
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
