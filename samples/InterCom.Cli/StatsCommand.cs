using System.Globalization;
using InterCom.Core.FlowControl;

namespace InterCom.Cli;

/// <summary><c>intercom stats</c>: attaches to a running call's shared counters and prints them.</summary>
internal static class StatsCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "stats",
        """
        Attaches to the flow-control counters of a call started with 'intercom call --session NAME'
        (from another terminal, or another user's process on this machine) and prints them once a
        second until Ctrl+C, or N times. Each line: age of each half's last heartbeat, what the sender
        sends (packets, target bitrate, FEC), what the receiver gets (packets, lost, late, concealed,
        jitter, playout delay), and what the peers report (round-trip time, loss of our stream).
        """,
        [
            CliOption.Value("session", "NAME", "the --session name the call was started with"),
            CliOption.Value("count", "N", "print N lines, then stop (default: until Ctrl+C)"),
        ]);


    public static async Task<int> RunAsync(Arguments args, TextWriter output, CancellationToken cancellationToken)
    {
        string name = args.Required("session");
        int? count = args.Integer("count", 1, int.MaxValue);
        string path;
        try
        {
            path = FlowControlMonitor.PathFor(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--session: {e.Message}");
        }

        using FlowControlMonitor counters = FlowControlMonitor.Open(name);
        for (int printed = 0; count is null || printed < count; printed++)
        {
            if (printed > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            await output.WriteLineAsync(Line(counters.Snapshot())).ConfigureAwait(false);
        }

        return 0;
    }

    internal static string Line(FlowControlSnapshot s)
    {
        long now = Environment.TickCount64;
        string Age(long heartbeat) => heartbeat == 0 ? "   -" : $"{(now - heartbeat) / 1000.0,4:F1}s";
        CesCounters c = s.Ces;
        RdpCounters r = s.Rdp;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"ces {Age(c.Heartbeat)} sent {c.PacketsSent} pkts  bitrate {c.TargetBitrate / 1000.0:F1} kb/s  fec {(c.FecEnabled ? "on" : "off")} | " +
            $"rdp {Age(r.Heartbeat)} received {r.PacketsReceived}  lost {r.PacketsLost}  late {r.PacketsLate}  concealed {r.FramesConcealed}  " +
            $"jitter {r.JitterMicros / 1000.0:F1} ms  delay {r.PlayoutDelayMicros / 1000.0:F0} ms | " +
            $"rtt {r.RoundTripMicros / 1000.0:F1} ms  remote loss {r.RemoteFractionLost * 100 / 256.0:F1}%");
    }
}
