using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Devices;
using InterCom.Core.Diagnostics;
using InterCom.Core.FlowControl;
using InterCom.Core.Interop;
using InterCom.Core.Pipelines;
using InterCom.Core.Security;
using InterCom.Core.Sessions;
using InterCom.Core.Transport;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

/// <summary>
/// The worker side of <see cref="ProcessHost"/>: one half of the call in this process, linked to the
/// other half by the shared counters only. It writes <c>ready</c> on standard output once the half
/// runs, and stops cleanly when its standard input ends (the host closed it, or died: no orphan) or on
/// SIGTERM. SIGINT is left to the host, which stops its workers itself: a Ctrl+C in a terminal reaches
/// the whole process group, and a worker that stopped on its own would look like a crash.
/// </summary>
internal static class WorkerProcess
{
    public const string ReadyLine = "ready";

    /// <summary>What a standby worker writes once it has started and compiled the codec.</summary>
    public const string StandbyLine = "standby";

    /// <summary>What the host writes to a standby worker to make it run its half.</summary>
    public const string GoLine = "go";

    /// <summary>How the first input line of an encrypted call's worker begins; the Base64 key follows.</summary>
    public const string KeyPrefix = "key ";

    private static volatile bool s_inputEnded;

    /// <summary>Runs a worker to its end; returns the process exit code (0 stopped, 1 failed, 2 bad configuration).</summary>
    public static int Run(string json, TextWriter output, TextWriter error)
    {
        WorkerConfig config;
        try
        {
            config = WorkerConfig.FromJson(json);
        }
        catch (JsonException e)
        {
            error.WriteLine(WorkerLog.Format(LogLevel.Critical, typeof(WorkerProcess).FullName!, $"Bad worker configuration: {e.Message}"));
            return 2;
        }

        using var loggerFactory = new WorkerLog.Factory((LogLevel)config.MinimumLogLevel, error);
        ILogger logger = loggerFactory.CreateLogger($"InterCom.Core.Hosting.Worker.{config.Role}");
        // Not disposed: the input and signal threads may still set them as the process ends.
        var stop = new ManualResetEventSlim();
        var go = new ManualResetEventSlim(!config.Standby);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Set();
            go.Set();
        });
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        var input = new StreamReader(Console.OpenStandardInput());
        SrtpMasterKey? key = null;
        if (config.KeyOnInput)
        {
            string? line = input.ReadLine();
            try
            {
                key = line is not null && line.StartsWith(KeyPrefix, StringComparison.Ordinal)
                    ? SrtpMasterKey.Parse(line[KeyPrefix.Length..])
                    : throw new FormatException("The host sent no key.");
            }
            catch (FormatException e)
            {
                ProcessHostLog.WorkerFailed(logger, config.Role, e.Message);
                return 2;
            }
        }

        new Thread(() => WatchInput(input, go, stop)) { IsBackground = true, Name = "InterCom worker stdin" }.Start();
        try
        {
            if (config.Standby)
            {
                if (config.Codec.Codec == Codecs.AudioCodec.Opus)
                {
                    Codecs.AudioCodecFactory.WarmUpOpus();
                }

                output.WriteLine(StandbyLine);
                output.Flush();
                go.Wait();
                if (stop.IsSet)
                {
                    return 0; // never needed
                }
            }

            using FlowControlCounters counters = FlowControlCounters.Open(config.CountersPath);
            var format = new AudioFormat(config.SampleRate, config.Channels);
            IPEndPoint listen = IPEndPoint.Parse(config.Listen);
            IPEndPoint[] peers = [.. config.Peers.Select(IPEndPoint.Parse)];
            ILogger<AudioEndpoints> deviceLogger = loggerFactory.CreateLogger<AudioEndpoints>();
            using AudioEndpoints audio = config.Role == WorkerRole.Ces
                ? AudioEndpoints.Open(config.Audio, null, format, new PortAudioStreamOptions(), config.JackClientName, onDeviceLoss: config.OnDeviceLoss, logger: deviceLogger)
                : AudioEndpoints.Open(
                    null, config.Audio, format, new PortAudioStreamOptions { PlaybackQueuePeriods = config.PlaybackQueuePeriods }, config.JackClientName,
                    appendOutput: config.Restarted, onDeviceLoss: config.OnDeviceLoss, logger: deviceLogger);
            audio.DeviceStateChanged += (_, state) =>
            {
                if (state == AudioDeviceState.Failed)
                {
                    stop.Set(); // on-device-loss fail: this worker ends, and the host restarts it like a crashed one
                }
            };
            RealTimeGc.Enter();
            try
            {
                using SrtpSession? srtp = key is null ? null : new SrtpSession(key);
                if (config.Role == WorkerRole.Ces)
                {
                    RunCes(config, format, listen, peers, counters, srtp, audio, loggerFactory, output, stop);
                }
                else
                {
                    RunRdp(config, format, listen, peers, counters, srtp, audio, loggerFactory, output, stop);
                }
            }
            finally
            {
                RealTimeGc.Exit();
            }

            if (audio.DeviceState == AudioDeviceState.Failed)
            {
                ProcessHostLog.WorkerFailed(logger, config.Role, $"the audio device was lost ({audio.DeviceLossReason}) and on-device-loss is fail");
                return 1;
            }

            if (s_inputEnded)
            {
                // The host closed our input (it stops the call) or died (no one else will remove the
                // file then). The other worker and the host keep their mappings; a restarted worker never
                // follows an end of input.
                File.Delete(config.CountersPath);
            }

            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException
            or UnauthorizedAccessException or InvalidDataException or PortAudioException or PlatformNotSupportedException)
        {
            ProcessHostLog.WorkerFailed(logger, config.Role, e.Message);
            return 1;
        }
    }

    private static void RunCes(
        WorkerConfig config, AudioFormat format, IPEndPoint listen, IPEndPoint[] peers, FlowControlCounters counters, SrtpSession? srtp,
        AudioEndpoints audio, ILoggerFactory loggers, TextWriter output, ManualResetEventSlim stop)
    {
        IAudioSource source = audio.Source!;
        // Sends from a port of its own: the listen port belongs to the receiving process.
        using var transport = new UdpTransport(new IPEndPoint(listen.Address, 0), loggers.CreateLogger<UdpTransport>());
        using var session = new RtpSession(
            transport, new RtpSessionOptions { Peers = peers, Srtp = srtp, Counters = counters, PeerTimeout = config.PeerTimeout }, loggers.CreateLogger<RtpSession>());
        CodecOptions codec = config.FramesOfCapturePeriod && config.Codec.Codec == AudioCodec.Pcm
            ? config.Codec.WithFramesOfPeriod(audio.WaitForCapturePeriodAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult())
            : config.Codec;

        var sender = new CaptureEncodeSend(session, format, codec, loggers.CreateLogger<CaptureEncodeSend>(), counters, config.RateControl)
        {
            CountersBaseline = counters.Snapshot().Ces,
        };
        try
        {
            session.Start();
            sender.Start(source);
            Ready(output);
            HoldUntil(stop, counters, config.Role, audio);
        }
        finally
        {
            sender.StopAsync().GetAwaiter().GetResult();
            session.Close(); // BYE
            sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void RunRdp(
        WorkerConfig config, AudioFormat format, IPEndPoint listen, IPEndPoint[] peers, FlowControlCounters counters, SrtpSession? srtp,
        AudioEndpoints audio, ILoggerFactory loggers, TextWriter output, ManualResetEventSlim stop)
    {
        IAudioSink sink = audio.Sink!;
        if (config.Codec.Codec == Codecs.AudioCodec.Opus)
        {
            // Before the port is bound: compiling Opus at the first packet would stall the first
            // 0.3 s of packets into a burst in the socket, and the call would start that far behind.
            Codecs.AudioCodecFactory.WarmUpOpus();
        }

        using var transport = new UdpTransport(listen, loggers.CreateLogger<UdpTransport>());
        // Receive only: our media SSRC is the sending worker's (from the counters), reports go under one of this process's own.
        using var session = new RtpSession(
            transport,
            new RtpSessionOptions { Peers = peers, Srtp = srtp, Counters = counters, PeerTimeout = config.PeerTimeout, SendsMedia = false },
            loggers.CreateLogger<RtpSession>());
        var receiver = new ReceiveDecodePlay(session, format, config.Codec, config.JitterBuffer, loggers.CreateLogger<ReceiveDecodePlay>(), counters)
        {
            CountersBaseline = counters.Snapshot().Rdp,
        };
        try
        {
            receiver.Start(sink, Playout.Resolve(PlayoutMode.Automatic, sink, config.Codec));
            transport.StartReceiving(session, "InterCom receive");
            session.Start();
            Ready(output);
            HoldUntil(stop, counters, config.Role, audio);
        }
        finally
        {
            receiver.StopAsync().GetAwaiter().GetResult();
            session.Close();
            transport.Dispose();
            receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits for the stop, publishing the device's history for the host meanwhile (continuing an earlier run's).</summary>
    private static void HoldUntil(ManualResetEventSlim stop, FlowControlCounters counters, WorkerRole role, AudioEndpoints audio)
    {
        (_, long lost, long reopened) = counters.ReadLiveness(role);
        do
        {
            counters.PublishDevice(role, lost + audio.DeviceLosses, reopened + audio.DeviceReopenings);
        }
        while (!stop.Wait(TimeSpan.FromMilliseconds(100)));

        counters.PublishDevice(role, lost + audio.DeviceLosses, reopened + audio.DeviceReopenings);
    }

    private static void Ready(TextWriter output)
    {
        output.WriteLine(ReadyLine);
        output.Flush();
    }

    /// <summary>The host's word: <c>go</c> to a standby worker; the end of the input (closed, or the host died) to stop.</summary>
    private static void WatchInput(StreamReader input, ManualResetEventSlim go, ManualResetEventSlim stop)
    {
        try
        {
            while (input.ReadLine() is { } line)
            {
                if (line == GoLine)
                {
                    go.Set();
                }
            }
        }
        catch (IOException)
        {
            // A broken pipe is an end too.
        }

        s_inputEnded = true;
        stop.Set();
        go.Set();
    }
}
