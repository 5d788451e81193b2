using System.Diagnostics;
using System.Net;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using InterCom.Core.Security;
using Microsoft.Extensions.Logging;

namespace InterCom.Cli;

/// <summary><c>intercom call</c>: one end of a call, until Ctrl+C or --duration.</summary>
internal static class CallCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "call",
        """
        Holds a full-duplex call with the peer(s) until Ctrl+C or --duration. Prints a status line once
        a second to standard error (out and in: RTP payload rates, headers and SRTP tags not counted);
        writes the final statistics as JSON with --stats-json. Usage: intercom call --listen [ADDR:]PORT
        --peer HOST:PORT [options]. Exit codes: 0 success, 1 runtime failure, 2 bad usage.
        """,
        [
            CliOption.Value("listen", "[ADDR:]PORT", "UDP port to receive on (and send from); PORT alone listens on every IPv4 and IPv6 address; ADDR:PORT or [IPV6]:PORT on one address"),
            CliOption.Value("peer", "HOST:PORT", "where to send; repeat for more peers"),
            CliOption.Value("input", "SPEC", "default | DEVICE | tone:HZ | FILE.wav (default: default); DEVICE: an index or a name substring from 'intercom devices', optionally with its host API: jack:system, alsa:pulse"),
            CliOption.Value("output", "SPEC", "default | DEVICE | FILE.wav (default: default)"),
        ],
        CallSettings.Definitions(),
        SpeechSettings.Options(),
        VideoSettings.Definitions(),
        [
            CliOption.Value("on-device-loss", "retry|fail", "when an audio device stops by itself (unplugged, its JACK server gone): retry = go on without it (sending silence) and reopen it as soon as it is back; fail = end the call with exit code 1 (default retry)"),
            CliOption.Value("duration", "SECONDS", "stop after this long (default: until Ctrl+C)"),
            CliOption.Value("stats-json", "FILE", "write the final statistics to FILE as JSON"),
            CliOption.Value("client-name", "NAME", "JACK client name (ports NAME:in_0, NAME:out_0); default PortAudio's"),
            CliOption.Value("session", "NAME", "publish the call's flow-control counters under NAME, for 'intercom stats --session NAME' in another terminal"),
            CliOption.Value("key", "BASE64", "encrypt and authenticate the call (SRTP, AES-128-GCM) with this pre-shared key; every end needs the same ('intercom keygen')"),
            CliOption.Value("key-file", "PATH", "the same, the key read from a file (keeps it out of 'ps')"),
            CliOption.Flag("processes", "run the sending half (capture, encode, send) and the receiving half (receive, decode, play) as two child processes linked by the shared counters; a half that dies is restarted at once. A WAV output is continued across a restart; a WAV input starts over. JACK clients are NAME-ces and NAME-rdp with --client-name NAME"),
            CliOption.Flag("quiet", "no status line"),
            CliOption.Flag("verbose", "log what the library does to standard error"),
        ]);

    private static readonly Dictionary<string, DeviceLossPolicy> s_lossPolicies = new() { ["retry"] = DeviceLossPolicy.Retry, ["fail"] = DeviceLossPolicy.Fail };

    public static async Task<int> RunAsync(Arguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IPEndPoint listen = EndPoints.ParseListen(args.Required("listen"), "listen");
        IReadOnlyList<string> peerTexts = args.All("peer");
        if (peerTexts.Count == 0)
        {
            throw new UsageException("--peer is required (HOST:PORT of the other end).");
        }

        IPEndPoint[] peers = [.. peerTexts.Select(p => EndPoints.ParsePeer(p, "peer"))];
        CallSettings settings = CallSettings.Parse(args);
        VideoSettings? video = VideoSettings.Parse(args);
        string input = args.Single("input") ?? "default";
        string outputSpec = args.Single("output") ?? "default";
        Core.Speech.SpeechOptions speech = SpeechSettings.From(args);
        try
        {
            AudioEndpoints.Validate(input, outputSpec, speech);
        }
        catch (ArgumentException e) when (e.ParamName == "speech")
        {
            throw new UsageException($"--aec on: {e.Message.Replace(" (Parameter 'speech')", "", StringComparison.Ordinal)}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Replace("Input '", "--input '", StringComparison.Ordinal).Replace("Output '", "--output '", StringComparison.Ordinal));
        }

        double? duration = args.Number("duration", 0.1, 1e7);
        DeviceLossPolicy onDeviceLoss = args.Choice("on-device-loss", s_lossPolicies) ?? DeviceLossPolicy.Retry;
        string? statsPath = args.Single("stats-json");
        bool quiet = args.Has("quiet");
        using ILoggerFactory loggerFactory = ConsoleLogging.Create(args.Has("verbose"));
        var sessionOptions = new VoiceSessionOptions
        {
            ListenEndPoint = listen,
            Peers = peers,
            Format = settings.Format,
            Codec = settings.Codec,
            JitterBuffer = settings.JitterBuffer,
            LoggerFactory = loggerFactory,
            CountersName = args.Single("session"),
            Key = ReadKey(args),
            Video = video?.Options,
        };
        if (sessionOptions.Key is null)
        {
            await error.WriteLineAsync(UnencryptedWarning).ConfigureAwait(false);
        }

        if (args.Has("processes"))
        {
            if (video is not null)
            {
                throw new UsageException("--video and --video-out do not go with --processes yet: video runs in one process.");
            }

            if (SpeechSettings.Given(args) is { } option)
            {
                throw new UsageException($"--{option} does not go with --processes yet: the echo canceller needs capture and playback in one process.");
            }

            return await RunInProcessesAsync(sessionOptions, settings, input, outputSpec, args.Single("client-name"), onDeviceLoss, duration, statsPath, quiet, error, cancellationToken).ConfigureAwait(false);
        }

        using var hold = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // outlives the device's watchdog
        using AudioEndpoints endpoints = AudioEndpoints.Open(
            input, outputSpec, settings.Format, new PortAudioStreamOptions { PlaybackQueuePeriods = settings.PlaybackQueuePeriods }, args.Single("client-name"),
            onDeviceLoss: onDeviceLoss, logger: loggerFactory.CreateLogger<AudioEndpoints>(), speech: speech);
        endpoints.DeviceStateChanged += (_, state) =>
        {
            if (state == AudioDeviceState.Failed)
            {
                hold.Cancel(); // --on-device-loss fail: the call is over
            }
        };
        settings = await settings.WithDevicePeriodAsync(endpoints, cancellationToken).ConfigureAwait(false);
        using VideoEndpoints videoEndpoints = VideoEndpoints.Open(video, $"intercom {listen}");
        var session = new VoiceSession(sessionOptions with { Codec = settings.Codec });
        SessionStatistics final;
        DeviceReport? device = null;
        try
        {
            await error.WriteLineAsync($"intercom: call on {session.LocalEndPoint} with {string.Join(", ", peers.Select(p => p.ToString()))}; " +
                $"{settings.Codec.Codec.ToString().ToLowerInvariant()} {settings.Codec.FrameDuration.TotalMilliseconds} ms, {settings.Format}; " +
                $"in: {endpoints.InputDescription}, out: {endpoints.OutputDescription}{(video is null ? "" : "; " + video.Describe())}. Ctrl+C to stop.").ConfigureAwait(false);
            session.Start(endpoints.Source, endpoints.Sink, videoEndpoints.TakeSource(), videoEndpoints.TakeSink());
            await HoldAsync(session, endpoints, duration, quiet, error, hold.Token).ConfigureAwait(false);
        }
        finally
        {
            StopGuard.Arm(error); // whatever native code does from here on, the process ends
            device = DeviceReport.Of(endpoints); // as the call ends: stopping closes the device
            await session.DisposeAsync().ConfigureAwait(false); // closes the WAV file, whatever happened
        }

        final = session.GetStatistics();
        if (statsPath is not null)
        {
            StatisticsReport.WriteJson(statsPath, final, device);
        }

        if (!quiet)
        {
            await error.WriteLineAsync(StatisticsReport.StatusLine(final, null, device) + " (whole call)").ConfigureAwait(false);
        }

        if (device.State == AudioDeviceState.Failed)
        {
            throw new InvalidOperationException($"The audio device was lost ({endpoints.DeviceLossReason}) and --on-device-loss is fail.");
        }

        return 0;
    }

    internal const string UnencryptedWarning =
        "intercom: warning: media is not encrypted: anyone on the network path can listen in. Give every end the same --key (from 'intercom keygen').";

    /// <summary>--key or --key-file (not both); a bad --key is bad usage, a bad or missing file a runtime error.</summary>
    private static SrtpMasterKey? ReadKey(Arguments args)
    {
        string? text = args.Single("key");
        string? file = args.Single("key-file");
        if (text is not null && file is not null)
        {
            throw new UsageException("--key and --key-file: give one of them.");
        }

        if (text is not null)
        {
            try
            {
                return SrtpMasterKey.Parse(text);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--key: {e.Message}");
            }
        }

        return file is null ? null : SrtpMasterKey.ReadFile(file);
    }

    /// <summary>The call as two worker processes (<see cref="ProcessHost"/>); status lines from the shared counters.</summary>
    private static async Task<int> RunInProcessesAsync(
        VoiceSessionOptions session, CallSettings settings, string input, string output, string? clientName, DeviceLossPolicy onDeviceLoss,
        double? duration, string? statsPath, bool quiet, TextWriter error, CancellationToken cancellationToken)
    {
        if (session.ListenEndPoint.Port == 0)
        {
            throw new UsageException("--listen: with --processes the port must be given (the receiving process binds it).");
        }

        var host = new ProcessHost(new ProcessHostOptions
        {
            Session = session, Input = input, Output = output, JackClientName = clientName, PlaybackQueuePeriods = settings.PlaybackQueuePeriods, OnDeviceLoss = onDeviceLoss,
            FramesOfCapturePeriod = settings.FramesOfPeriod,
        });
        ProcessHostReport report;
        bool anyDevice = AudioEndpoints.IsDevice(input) || AudioEndpoints.IsDevice(output);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            await error.WriteLineAsync($"intercom: call on {host.LocalEndPoint} with {string.Join(", ", session.Peers.Select(p => p.ToString()))}; " +
                $"{settings.Codec.Codec.ToString().ToLowerInvariant()} {settings.Codec.FrameDuration.TotalMilliseconds} ms, {settings.Format}; " +
                $"in: {input}, out: {output}; sending pid {host.SenderProcessId}, receiving pid {host.ReceiverProcessId}. Ctrl+C to stop.").ConfigureAwait(false);
            using var hold = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task ended = HoldAsync(
                () => StatsCommand.Line(host.GetFlowControl()) + StatisticsReport.DeviceSuffix(DeviceReport.Of(host, anyDevice)),
                duration, quiet, error, hold.Token);
            if (await Task.WhenAny(ended, host.Completion).ConfigureAwait(false) != ended)
            {
                await hold.CancelAsync().ConfigureAwait(false); // a worker kept failing: the call is over
                await ended.ConfigureAwait(false);
            }
        }
        finally
        {
            StopGuard.Arm(error);
            int senderPid = host.SenderProcessId, receiverPid = host.ReceiverProcessId;
            await host.DisposeAsync().ConfigureAwait(false);
            report = new ProcessHostReport(
                host.Duration, host.GetFlowControl(), senderPid, receiverPid, host.SenderRestarts, host.ReceiverRestarts, host.SenderHangs, host.ReceiverHangs,
                DeviceReport.Of(host, anyDevice));
        }

        if (statsPath is not null)
        {
            StatisticsReport.WriteJson(statsPath, report);
        }

        if (host.Completion.IsFaulted)
        {
            throw new InvalidOperationException(host.Completion.Exception!.InnerException!.Message);
        }

        if (!quiet)
        {
            await error.WriteLineAsync(StatsCommand.Line(report.Counters) + $" | restarts: sending {report.SenderRestarts}, receiving {report.ReceiverRestarts} (whole call)").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Waits for Ctrl+C or the duration, printing a status line once a second.</summary>
    internal static Task HoldAsync(VoiceSession session, AudioEndpoints? endpoints, double? durationSeconds, bool quiet, TextWriter error, CancellationToken cancellationToken)
    {
        SessionStatistics? previous = null;
        return HoldAsync(
            () =>
            {
                SessionStatistics now = session.GetStatistics();
                string line = StatisticsReport.StatusLine(now, previous, endpoints is null ? null : DeviceReport.Of(endpoints));
                previous = now;
                return line;
            },
            durationSeconds,
            quiet,
            error,
            cancellationToken);
    }

    private static async Task HoldAsync(Func<string> statusLine, double? durationSeconds, bool quiet, TextWriter error, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        TimeSpan limit = durationSeconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait = TimeSpan.FromSeconds(1);
            if (limit != Timeout.InfiniteTimeSpan)
            {
                TimeSpan left = limit - started.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                wait = left < wait ? left : wait;
            }

            try
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!quiet && wait == TimeSpan.FromSeconds(1))
            {
                await error.WriteLineAsync(statusLine()).ConfigureAwait(false);
            }
        }
    }
}
