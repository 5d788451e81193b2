using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterCom.Core.Testing;
using InterCom.Core.Codecs;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;

namespace InterCom.Cli;

/// <summary>
/// <c>intercom latency</c>: the device-to-device delay of a real call through the JACK server, against
/// a direct wire in the same server, with the budget per stage.
/// </summary>
internal static class LatencyCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "latency",
        """
        Measures the device-to-device delay of a call through the JACK server: two 'intercom call'
        processes on this machine (A captures from JACK, B plays to JACK, over UDP on loopback); this
        process plays chirp bursts into A's capture port and finds them in B's playback port by
        cross-correlation. First it measures a direct wire (its own output to its own input) in the
        same server: what the call adds is the difference. Then prints the budget per stage, from what
        the code knows. Needs a running JACK server (and jack_connect, jack_lsp: package jackd2).
        Exit codes: 0 success, 1 runtime failure (no JACK, nothing came back), 2 bad usage.
        """,
        CallSettings.Definitions(),
        [
            CliOption.Value("bursts", "N", "chirp bursts to send, 1..100 (default 5)"),
            CliOption.Value("json", "FILE", "write the result to FILE as JSON"),
            CliOption.Flag("processes", "run each end of the call as two processes (call --processes), to measure what that costs"),
        ]);

    private const string Probe = "intercom-latency";

    public static async Task<int> RunAsync(Arguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        CallSettings settings = CallSettings.Parse(args);
        if (settings.Format.Channels != 1)
        {
            throw new UsageException("--channels: the latency probe measures mono calls.");
        }

        int bursts = args.Integer("bursts", 1, 100) ?? 5;
        string? jsonPath = args.Single("json");
        if (Run("jack_lsp", out _) != 0)
        {
            throw new InvalidOperationException("No JACK server answers (jack_lsp failed): start one, e.g. 'jackd -d dummy -r 48000 -p 256 &', or install jackd2.");
        }

        PortAudioHost.JackClientName = Probe;
        AudioDevice jack = PortAudioHost.FindDevice("jack:system", AudioDirection.Input);

        LatencyMeasurement loop = await LatencyProbe.MeasureAsync(jack, _ => Connect($"{Probe}:out_0", $"{Probe}:in_0"), bursts, cancellationToken: cancellationToken).ConfigureAwait(false);
        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"intercom latency: direct wire {Ms(loop.DelayFrames):F2} ms ({loop.DelayFrames} frames, period {loop.PeriodFrames})")).ConfigureAwait(false);

        string dir = Directory.CreateTempSubdirectory("intercom-latency-").FullName;
        try
        {
            (LatencyMeasurement call, Core.FlowControl.FlowControlSnapshot receiver, double bufferDelayMs) = await MeasureCallAsync(args, jack, bursts, dir, error, cancellationToken).ConfigureAwait(false);
            Budget budget = Budget.Of(settings, loop, receiver, bufferDelayMs, args.Has("processes"));
            await output.WriteLineAsync(Report(loop, call, budget)).ConfigureAwait(false);
            if (jsonPath is not null)
            {
                await WriteJsonAsync(jsonPath, loop, call, budget).ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Starts the two call ends, waits for their JACK ports, wires the probe through them and measures.</summary>
    private static async Task<(LatencyMeasurement Call, Core.FlowControl.FlowControlSnapshot Receiver, double BufferDelayMs)> MeasureCallAsync(Arguments args, AudioDevice jack, int bursts, string dir, TextWriter error, CancellationToken cancellationToken)
    {
        int portA = FreeUdpPort(), portB = FreeUdpPort();
        bool processes = args.Has("processes");
        string capture = processes ? $"{Probe}-a-ces" : $"{Probe}-a", playback = processes ? $"{Probe}-b-rdp" : $"{Probe}-b"; // a worker's JACK client is NAME-ces or NAME-rdp
        string[] passed = [.. CallSettings.Definitions().Select(o => o.Name.TrimStart('-')).Where(o => args.Single(o) is not null).SelectMany(o => new[] { $"--{o}", args.Single(o)! }), .. processes ? ["--processes"] : Array.Empty<string>()];
        double seconds = 7 + (bursts * 0.5);
        string session = $"{Probe}-{Environment.ProcessId}";
        using Process a = StartCall(["--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "jack:system", "--output", Path.Combine(dir, "a.wav"), "--client-name", $"{Probe}-a", .. passed], seconds);
        using Process b = StartCall(["--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:1000", "--output", "jack:system", "--client-name", $"{Probe}-b", "--session", session, .. passed], seconds);
        try
        {
            // The one wait that retries: for the other processes' JACK ports to appear.
            var waited = Stopwatch.StartNew();
            while (!(Ports().Contains($"{capture}:in_0", StringComparison.Ordinal) && Ports().Contains($"{playback}:out_0", StringComparison.Ordinal)))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(15) || a.HasExited || b.HasExited)
                {
                    throw new InvalidOperationException($"The call processes did not come up on JACK: {(a.HasExited ? a.StandardError.ReadToEnd() : string.Empty)}{(b.HasExited ? b.StandardError.ReadToEnd() : string.Empty)}");
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(4000, cancellationToken).ConfigureAwait(false); // the call settles: the buffer holds its 40 ms start for 2 s, then adapts

            // What B's buffer held while the bursts went through: its published delay (once a second),
            // sampled all along the probe and averaged, not read once after it (it may have moved since).
            using var counters = Core.FlowControl.FlowControlMonitor.Open(session);
            using var probing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<double> bufferDelay = AverageDelayAsync(counters, probing.Token);
            LatencyMeasurement call;
            try
            {
                call = await LatencyProbe.MeasureAsync(jack, _ =>
                {
                    Connect($"{Probe}:out_0", $"{capture}:in_0");
                    Connect($"{playback}:out_0", $"{Probe}:in_0");
                }, bursts, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await probing.CancelAsync().ConfigureAwait(false);
            }

            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"intercom latency: through the call {Ms(call.DelayFrames):F2} ms ({call.DelayFrames} frames)")).ConfigureAwait(false);
            Core.FlowControl.FlowControlSnapshot receiver = counters.Snapshot();
            double delayMs = await bufferDelay.ConfigureAwait(false);
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ending.CancelAfter(TimeSpan.FromSeconds(seconds + 10)); // the calls end at their --duration; one that does not is killed below
            try
            {
                await Task.WhenAll(a.WaitForExitAsync(ending.Token), b.WaitForExitAsync(ending.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("intercom latency: a call process did not end at its --duration; killed").ConfigureAwait(false);
            }

            return (call, receiver, delayMs);
        }
        finally
        {
            foreach (Process p in new[] { a, b }.Where(p => !p.HasExited))
            {
                p.Kill();
            }
        }
    }

    private static Process StartCall(string[] callArgs, double seconds)
    {
        var info = new ProcessStartInfo { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string part in SelfCommandLine())
        {
            info.ArgumentList.Add(part);
        }

        info.FileName = info.ArgumentList[0];
        info.ArgumentList.RemoveAt(0);
        foreach (string arg in (string[])["call", .. callArgs, "--duration", seconds.ToString(CultureInfo.InvariantCulture), "--quiet"])
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Cannot start 'intercom call'.");
    }

    /// <summary>This program as it was started: its executable, and its assembly when the dotnet host runs it.</summary>
    private static string[] SelfCommandLine()
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("This process has no executable path.");
        return Path.GetFileNameWithoutExtension(executable) == "dotnet"
            ? [executable, Path.GetFullPath(Environment.GetCommandLineArgs()[0])]
            : [executable];
    }

    private static string Report(LatencyMeasurement loop, LatencyMeasurement call, Budget budget)
    {
        var text = new System.Text.StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"direct wire in the server      {Ms(loop.DelayFrames),7:F2} ms");
        text.AppendLine(c, $"through the call               {Ms(call.DelayFrames),7:F2} ms   (bursts: {string.Join(", ", call.BurstDelays.Select(d => Ms(d).ToString("F2", c)))} ms)");
        text.AppendLine(c, $"the call adds                  {Ms(call.DelayFrames - loop.DelayFrames),7:F2} ms   ({(double)(call.DelayFrames - loop.DelayFrames) / loop.PeriodFrames:F1} periods of {loop.PeriodFrames} frames)");
        text.AppendLine();
        text.AppendLine("budget, from the code's own knowledge:");
        foreach ((string stage, double ms) in budget.Stages)
        {
            text.AppendLine(c, $"  {stage,-28} {ms,7:F1} ms");
        }

        text.Append(c, $"  {"sum",-28} {budget.Stages.Sum(s => s.Ms),7:F1} ms   (the wire's own {Ms(loop.DelayFrames):F2} ms included)");
        return text.ToString();
    }

    private static async Task WriteJsonAsync(string path, LatencyMeasurement loop, LatencyMeasurement call, Budget budget)
    {
        var document = new LatencyDocument(
            loop.PeriodFrames,
            Math.Round(Ms(loop.DelayFrames), 2),
            Math.Round(Ms(call.DelayFrames), 2),
            Math.Round(Ms(call.DelayFrames - loop.DelayFrames), 2),
            [.. call.BurstDelays.Select(d => Math.Round(Ms(d), 2))],
            budget.Stages.ToDictionary(s => s.Stage, s => Math.Round(s.Ms, 2)));
        await File.WriteAllBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(document, CliJson.Default.LatencyDocument)).ConfigureAwait(false);
    }

    private static double Ms(double frames) => frames * 1000.0 / 48_000;

    private static void Connect(string from, string to)
    {
        if (Run($"jack_connect {from} {to}", out string text) != 0)
        {
            throw new InvalidOperationException($"jack_connect {from} {to} failed: {text}");
        }
    }

    private static string Ports() => Run("jack_lsp", out string text) == 0 ? text : string.Empty;

    private static int Run(string commandLine, out string text)
    {
        string[] parts = commandLine.Split(' ');
        try
        {
            var info = new ProcessStartInfo(parts[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in parts[1..])
            {
                info.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(info)!;
            text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            text = $"{parts[0]}: {e.Message} (package jackd2)";
            return -1;
        }
    }

    /// <summary>The receiving end's published playout delay, sampled every 100 ms until cancelled, averaged (ms).</summary>
    private static async Task<double> AverageDelayAsync(Core.FlowControl.FlowControlMonitor counters, CancellationToken cancellationToken)
    {
        double sum = 0;
        int count = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                sum += counters.Snapshot().Rdp.PlayoutDelayMicros / 1000.0;
                count++;
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The probe is done.
        }

        return sum / count;
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Where the delay goes, stage by stage, from the settings and the receiving end's statistics.
    /// Pulled playback (the device's callback takes each period from the jitter buffer): a sample
    /// crosses one period like a direct wire (sent in its period, played from the next); the frame a
    /// period boundary cuts waits for the period after it, up to <c>frame − gcd(frame, period)</c>, and
    /// the buffer must hold that back for every sample alike; then the lookahead; then the jitter
    /// buffer's spare beyond what the framing needs (B's published delay averaged over the probe, the queue at its reads, less
    /// a period and half that framing); the network only beyond the period it travels within.
    /// Pushed playback (managed Opus: a thread feeds the device's ring): half a period of capture
    /// alignment and the whole frame, the buffer's delay beyond the frame, the periods queued.
    /// </summary>
    private sealed record Budget(IReadOnlyList<(string Stage, double Ms)> Stages)
    {
        public static Budget Of(CallSettings settings, LatencyMeasurement wire, Core.FlowControl.FlowControlSnapshot receiver, double bufferDelayMs, bool processes)
        {
            int period = wire.PeriodFrames;
            int frame = settings.FramesOfPeriod ? period : settings.Codec.FrameSamples; // L16 frames of the period: one per period, aligned
            double lookahead = 0;
            if (settings.Codec.Codec == AudioCodec.Opus)
            {
                using IAudioEncoder encoder = AudioCodecFactory.CreateEncoder(settings.Format, settings.Codec);
                lookahead = Ms(encoder.Lookahead);
            }

            double delay = bufferDelayMs; // the queue at B's reads, what each read takes included
            double network = receiver.Rdp.RoundTripMicros / 2000.0;
            if (AudioCodecFactory.DecodesWithoutAllocating(settings.Codec))
            {
                int framing = frame - (int)System.Numerics.BigInteger.GreatestCommonDivisor(frame, period);
                return new Budget(
                [
                    ("period (as a direct wire)", wire.Delay.TotalMilliseconds),
                    ("frame", Ms(framing)),
                    ("encoder lookahead", lookahead),
                    ("network", Math.Max(0, network - Ms(period))),
                    ("jitter buffer", Math.Max(0, delay - Ms(period) - Ms(framing / 2.0))),
                    ("playback queue", 0),
                ]);
            }

            return new Budget(
            [
                ("period (as a direct wire)", wire.Delay.TotalMilliseconds),
                ("frame", Ms(period / 2.0) + Ms(frame)), // a frame is complete only with the period that holds its end: half a period on average
                ("encoder lookahead", lookahead),
                ("network", network),
                ("jitter buffer", Math.Max(0, delay - Ms(frame))),
                ("playback queue", (settings.PlaybackQueuePeriods * Ms(period)) + Ms(frame / 2.0)), // the periods kept queued, and the frame written on top: half on average
            ]);
        }
    }
}
