namespace InterCom.Cli;

/// <summary>
/// The last line of defence of "stopping never hangs": once a command starts to stop, the process ends
/// within <see cref="Limit"/> even if native code it waits for never returns (the library bounds its
/// own native waits; this covers anything else).
/// </summary>
internal static class StopGuard
{
    /// <summary>How long a stop may take: 2 s, the limit the command promises, less a margin for exiting.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(1800);

    private static int s_armed;

    /// <summary>From now on, the process exits with code 1 after <see cref="Limit"/> unless it has ended by then.</summary>
    public static void Arm(TextWriter error)
    {
        if (Interlocked.Exchange(ref s_armed, 1) != 0)
        {
            return;
        }

        new Thread(() =>
        {
            Thread.Sleep(Limit);
            try
            {
                error.WriteLine($"intercom: the call did not stop within {Limit.TotalSeconds:F1} s (native code that does not return); exiting.");
                error.Flush();
            }
            finally
            {
                Environment.Exit(1);
            }
        })
        { IsBackground = true, Name = "intercom stop guard" }.Start();
    }
}
