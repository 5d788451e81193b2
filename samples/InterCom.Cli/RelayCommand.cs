using System.Globalization;
using InterCom.Core.Testing;

namespace InterCom.Cli;

/// <summary><c>intercom relay</c>: a UDP relay that impairs a call's traffic, to try it on a bad network without root.</summary>
internal static class RelayCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "relay",
        """
        Forwards UDP datagrams between whoever sends to --listen and --forward, both ways, and
        impairs them reproducibly, each way with its own random sequence. Point both ends' --peer at
        the relay's --listen port: what comes from the --forward address goes back to whoever sent to
        the relay last. (The relay also answers from the port it forwards from, printed at start-up;
        that port reaches the first end too.) Prints what it did once a second; Ctrl+C or --duration
        stops it.
        """,
        [
            CliOption.Value("listen", "[ADDR:]PORT", "where the first end sends"),
            CliOption.Value("forward", "HOST:PORT", "the other end"),
            CliOption.Value("loss", "PCT", "datagrams lost, percent (default 0)"),
            CliOption.Value("burst-loss", "LEN", "losses come in bursts of LEN datagrams (default 1)"),
            CliOption.Value("reorder", "PCT", "datagrams sent after the next one, percent (default 0)"),
            CliOption.Value("duplicate", "PCT", "datagrams sent twice, percent (default 0)"),
            CliOption.Value("delay", "MS", "delay added to every datagram (default 0)"),
            CliOption.Value("jitter", "MS", "random extra delay, -MS..+MS (default 0)"),
            CliOption.Value("rate-kbps", "N", "link rate; a queue over 200 ms is dropped (default unlimited)"),
            CliOption.Value("drift-ppm", "N", "the sender's clock runs N ppm slow, -1000..1000 (negative: fast, taking back --delay) (default 0)"),
            CliOption.Value("seed", "N", "seed of the random choices (default 1)"),
            CliOption.Value("duration", "SECONDS", "stop after this long (default: until Ctrl+C)"),
            CliOption.Flag("quiet", "no status line"),
        ]);


    public static async Task<int> RunAsync(Arguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var listen = EndPoints.ParseListen(args.Required("listen"), "listen");
        var forward = EndPoints.ParsePeer(args.Required("forward"), "forward");
        var impairment = new NetworkImpairment
        {
            LossPercent = args.Number("loss", 0, 100) ?? 0,
            BurstLength = args.Integer("burst-loss", 1, 1000) ?? 1,
            ReorderPercent = args.Number("reorder", 0, 100) ?? 0,
            DuplicatePercent = args.Number("duplicate", 0, 100) ?? 0,
            Delay = TimeSpan.FromMilliseconds(args.Number("delay", 0, 10_000) ?? 0),
            Jitter = TimeSpan.FromMilliseconds(args.Number("jitter", 0, 10_000) ?? 0),
            RateKbps = args.Integer("rate-kbps", 1, 10_000_000) ?? 0,
            DriftPpm = args.Number("drift-ppm", -1000, 1000) ?? 0,
            Seed = args.Integer("seed", int.MinValue, int.MaxValue) ?? 1,
        };
        double? duration = args.Number("duration", 0.1, 1e7);
        bool quiet = args.Has("quiet");

        using var relay = new ImpairedRelay(listen, forward, impairment);
        await error.WriteLineAsync(
            $"intercom relay: {relay.LocalEndPoint} <-> {forward} (forwarding from port {relay.ForwardingPort}); {Describe(impairment)}. Ctrl+C to stop.").ConfigureAwait(false);
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested && (duration is null || started.Elapsed.TotalSeconds < duration))
        {
            TimeSpan wait = TimeSpan.FromSeconds(duration is { } d ? Math.Min(1, d - started.Elapsed.TotalSeconds) : 1);
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!quiet)
            {
                await error.WriteLineAsync($"[{started.Elapsed.TotalSeconds,5:F0}s] forward {Line(relay.Forwarded)} | back {Line(relay.Returned)}").ConfigureAwait(false);
            }
        }

        await error.WriteLineAsync($"intercom relay: forward {Line(relay.Forwarded)} | back {Line(relay.Returned)} (whole run)").ConfigureAwait(false);
        return 0;
    }

    private static string Line(RelayStatistics s) => string.Create(
        CultureInfo.InvariantCulture,
        $"{s.Received} in, {s.Lost} lost, {s.Overflowed} overflowed, {s.Duplicated} duplicated, {s.Reordered} reordered");

    private static string Describe(NetworkImpairment i) => string.Create(
        CultureInfo.InvariantCulture,
        $"loss {i.LossPercent}% (bursts of {i.BurstLength}), reorder {i.ReorderPercent}%, duplicate {i.DuplicatePercent}%, " +
        $"delay {i.Delay.TotalMilliseconds} ms ± {i.Jitter.TotalMilliseconds} ms, rate {(i.RateKbps == 0 ? "unlimited" : $"{i.RateKbps} kb/s")}, drift {i.DriftPpm} ppm, seed {i.Seed}");
}
