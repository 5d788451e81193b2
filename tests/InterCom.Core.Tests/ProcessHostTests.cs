using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using InterCom.Core.Testing;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using Xunit.Abstractions;

namespace InterCom.Core.Tests;

/// <summary>
/// CES and RDP as real child processes (<see cref="ProcessHost"/>): the test process is the host, and a
/// <see cref="VoiceSession"/> in it is the other end of the call.
/// </summary>
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed partial class ProcessHostTests(ITestOutputHelper output)
{
    private const double ToneToHost = 660;   // the in-process peer sends this; the host's receiving worker plays it into a WAV file
    private const double ToneFromHost = 440; // the host's sending worker sends this; the peer's sink timestamps it
    private const double Heard = 0.1;        // the tones are sent at 0.25
    private const double Silent = 0.03;
    private static readonly TimeSpan ResumeLimit = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Restarts from standby workers (the default). INTERCOM_TEST_STANDBY=0 measures restarts from
    /// fresh processes instead (docs/processes.md); the limit asserted is the same.
    /// </summary>
    private static readonly bool Standby = Environment.GetEnvironmentVariable("INTERCOM_TEST_STANDBY") != "0";

    [Fact]
    public async Task A_call_in_two_processes_carries_tone_and_each_half_is_restarted_after_kill_9()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-processes-").FullName;
        string wav = Path.Combine(dir, "host-heard.wav");
        var hostListen = new IPEndPoint(IPAddress.Loopback, Ports.FreeUdp());
        await using var peer = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Peers = [hostListen] });
        var peerHears = new TimedToneSink(peer.Format, ToneFromHost);
        peer.Start(new ToneSource(ToneToHost, peer.Format), peerHears);
        await using var host = new ProcessHost(new ProcessHostOptions
        {
            Session = new VoiceSessionOptions { ListenEndPoint = hostListen, Peers = [peer.LocalEndPoint] },
            Input = $"tone:{ToneFromHost.ToString(CultureInfo.InvariantCulture)}",
            Output = wav,
            StandbyWorkers = Standby,
        });
        await host.StartAsync();

        int sender = host.SenderProcessId, receiver = host.ReceiverProcessId;
        Assert.NotEqual(0, sender);
        Assert.NotEqual(0, receiver);
        Assert.NotEqual(sender, receiver);
        Assert.DoesNotContain(Environment.ProcessId, new[] { sender, receiver });
        Assert.True(IsAlive(sender) && IsAlive(receiver));

        // The call carries both tones.
        await WaitUntilAsync(() => peerHears.FirstAfter(0, Heard) is not null, "the peer never heard the host's tone");
        await WaitUntilAsync(() => FirstToneFrom(wav, 44, Heard) is not null, "the host's receiving worker never played the peer's tone");

        // kill -9 the receiving worker: a new one plays into the same file within the limit.
        await Task.Delay(1500); // a report or two published
        await WaitUntilAsync(() => !Standby || host.IsStandbyReady, "the standby workers never got ready");
        long receivedBefore = host.GetFlowControl().Rdp.PacketsReceived;
        Process.GetProcessById(receiver).Kill();
        long killed = Stopwatch.GetTimestamp();
        await WaitUntilAsync(() => host.ReceiverProcessId != receiver, "the host did not notice the receiving worker's death");
        long lengthAtDeath = new FileInfo(wav).Length;
        long? resumed = null;
        while (resumed is null && Stopwatch.GetElapsedTime(killed) < Timeout)
        {
            if (FirstToneFrom(wav, lengthAtDeath, Heard) is not null)
            {
                resumed = Stopwatch.GetTimestamp();
            }

            await Task.Delay(10);
        }

        Assert.True(resumed is not null, "the peer's tone never came back after the receiving worker was killed");
        TimeSpan receiverGap = Stopwatch.GetElapsedTime(killed, resumed!.Value);
        output.WriteLine($"receiving worker killed: tone back in the file after {receiverGap.TotalMilliseconds:F0} ms");
        Assert.True(receiverGap <= ResumeLimit, $"tone resumed {receiverGap.TotalMilliseconds:F0} ms after the receiving worker was killed");
        await WaitUntilAsync(() => host.ReceiverRestarts == 1, $"receiving worker restarts: {host.ReceiverRestarts}");
        Assert.NotEqual(receiver, host.ReceiverProcessId);

        // kill -9 the sending worker: the peer hears the host again within the limit, after a silence.
        await Task.Delay(500);
        await WaitUntilAsync(() => !Standby || host.IsStandbyReady, "no new standby worker got ready after the restart");
        long sentBefore = host.GetFlowControl().Ces.PacketsSent;
        Process.GetProcessById(sender).Kill();
        long senderKilled = Stopwatch.GetTimestamp();
        await WaitUntilAsync(
            () => peerHears.FirstAfter(peerHears.FirstBelowAfter(senderKilled, Silent) ?? long.MaxValue, Heard) is not null,
            "the peer never heard the host's tone again after the sending worker was killed");
        long silence = peerHears.FirstBelowAfter(senderKilled, Silent)!.Value;
        TimeSpan senderGap = Stopwatch.GetElapsedTime(senderKilled, peerHears.FirstAfter(silence, Heard)!.Value);
        output.WriteLine($"sending worker killed: tone back at the peer after {senderGap.TotalMilliseconds:F0} ms");
        Assert.True(senderGap <= ResumeLimit, $"tone resumed {senderGap.TotalMilliseconds:F0} ms after the sending worker was killed");
        await WaitUntilAsync(() => host.SenderRestarts == 1, $"sending worker restarts: {host.SenderRestarts}");
        Assert.NotEqual(sender, host.SenderProcessId);

        // The counters go on across restarts (they describe the call, not the current process): each new
        // worker's first figures start from what the one before it had published.
        Assert.True(receivedBefore > 0 && sentBefore > 0);
        await WaitUntilAsync(() => host.GetFlowControl().Rdp.ProcessId == host.ReceiverProcessId, "the new receiving worker never published");
        await WaitUntilAsync(() => host.GetFlowControl().Ces.ProcessId == host.SenderProcessId, "the new sending worker never published");
        var counters = host.GetFlowControl();
        Assert.True(counters.Rdp.PacketsReceived > receivedBefore, $"received {counters.Rdp.PacketsReceived}, before the restart {receivedBefore}");
        Assert.True(counters.Ces.PacketsSent >= sentBefore, $"sent {counters.Ces.PacketsSent}, before the restart {sentBefore}");

        int lastSender = host.SenderProcessId, lastReceiver = host.ReceiverProcessId;
        string countersPath = host.CountersPath;
        await host.DisposeAsync();
        Assert.False(IsAlive(lastSender) || IsAlive(lastReceiver), "a worker outlived its host's stop");
        Assert.False(File.Exists(countersPath));

        // One WAV file across both receiving workers, valid, with the tone before and after the restart.
        float[] heard = SignalAnalysis.ReadWavMono(wav);
        int atDeath = (int)((lengthAtDeath - 44) / 2);
        Assert.True(SignalAnalysis.MedianToneAmplitude(heard.AsSpan(Math.Max(0, atDeath - 48_000), Math.Min(48_000, atDeath)), ToneToHost) > Heard);
        Assert.True(SignalAnalysis.MedianToneAmplitude(heard.AsSpan(heard.Length - 48_000), ToneToHost) > Heard);
    }

    [Fact]
    public async Task An_encrypted_call_in_two_processes_carries_tone_and_its_reports_both_ways()
    {
        string wav = Path.Combine(Directory.CreateTempSubdirectory("intercom-processes-srtp-").FullName, "host-heard.wav");
        var key = Security.SrtpMasterKey.Generate();
        var hostListen = new IPEndPoint(IPAddress.Loopback, Ports.FreeUdp());
        await using var peer = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Peers = [hostListen], Key = key });
        var peerHears = new TimedToneSink(peer.Format, ToneFromHost);
        peer.Start(new ToneSource(ToneToHost, peer.Format), peerHears);
        await using var host = new ProcessHost(new ProcessHostOptions
        {
            Session = new VoiceSessionOptions { ListenEndPoint = hostListen, Peers = [peer.LocalEndPoint], Key = key },
            Input = $"tone:{ToneFromHost.ToString(CultureInfo.InvariantCulture)}",
            Output = wav,
            StandbyWorkers = false,
        });
        await host.StartAsync();

        await WaitUntilAsync(() => peerHears.FirstAfter(0, Heard) is not null, "the peer never heard the host's tone");
        await WaitUntilAsync(() => FirstToneFrom(wav, 44, Heard) is not null, "the host's receiving worker never played the peer's tone");
        await WaitUntilAsync(() => host.GetFlowControl().Rdp.RoundTripMicros > 0, "no receiver report about the host's stream reached its receiving worker");
        await WaitUntilAsync(() => peer.GetStatistics().RoundTripMs > 0, "no receiver report from the host's receiving worker reached the peer");
        SessionStatistics stats = peer.GetStatistics();
        Assert.Equal(0, stats.PacketsFailedAuthentication);
        Assert.Equal(0, stats.PacketsMalformed);
    }

    [Fact]
    public async Task Killing_the_host_process_leaves_no_worker_behind()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-orphans-").FullName;
        string session = $"orphans-{Environment.ProcessId}";
        int port = Ports.FreeUdp();
        using var call = IntercomProcess.Start(
            ["call", "--processes", "--listen", $"127.0.0.1:{port}", "--peer", $"127.0.0.1:{Ports.FreeUdp()}",
             "--input", "tone:440", "--output", Path.Combine(dir, "heard.wav"), "--session", session, "--quiet"]);
        Match pids = Match.Empty;
        var deadline = Stopwatch.StartNew();
        while (!(pids = PidsLine().Match(call.StandardError)).Success)
        {
            Assert.True(deadline.Elapsed < Timeout, $"no worker pids announced; stderr: {call.StandardError}");
            await Task.Delay(50);
        }

        int sender = int.Parse(pids.Groups[1].Value, CultureInfo.InvariantCulture);
        int receiver = int.Parse(pids.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(IsAlive(sender) && IsAlive(receiver), call.StandardError);

        Assert.Contains(sender, WorkersOf(session));
        Assert.Contains(receiver, WorkersOf(session));
        call.KillAlone();
        var gone = Stopwatch.StartNew();
        while (WorkersOf(session).Count > 0 && gone.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        output.WriteLine($"workers gone {gone.Elapsed.TotalMilliseconds:F0} ms after the host was killed");
        Assert.False(IsAlive(sender), "the sending worker outlived its killed host");
        Assert.False(IsAlive(receiver), "the receiving worker outlived its killed host");
        Assert.Empty(WorkersOf(session)); // the standby workers too
        Assert.False(File.Exists(FlowControl.FlowControlCounters.PathFor(session)), "the workers left the counters file behind");
    }

    [Fact]
    public async Task A_worker_that_cannot_start_fails_the_start_with_its_reason()
    {
        await using var host = new ProcessHost(new ProcessHostOptions
        {
            Session = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, Ports.FreeUdp()), Peers = [new IPEndPoint(IPAddress.Loopback, 9)] },
            Input = "/nonexistent/input.wav",
            Output = Path.Combine(Path.GetTempPath(), "never-written.wav"),
        });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.True(e.Message.Contains("/nonexistent/input.wav", StringComparison.Ordinal), e.Message);
        Assert.Equal(0, host.SenderProcessId);
    }

    [Fact]
    public async Task A_collision_seen_by_a_receiving_process_changes_the_sending_half_s_ssrc()
    {
        string name = $"collision-{Environment.ProcessId}";
        await using var session = new VoiceSession(new VoiceSessionOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Peers = [new IPEndPoint(IPAddress.Loopback, Ports.FreeUdp())],
            CountersName = name,
        });
        session.Start(new ToneSource(440, session.Format), null);
        using var elsewhere = FlowControl.FlowControlCounters.Open(FlowControl.FlowControlCounters.PathFor(name)); // as the receiving worker maps it
        await WaitUntilAsync(() => elsewhere.CesSsrc == session.Sender.Ssrc, "the sending half never published its SSRC");
        uint before = session.Sender.Ssrc;

        elsewhere.RequestSsrcChange();

        await WaitUntilAsync(() => session.Sender.Ssrc != before, "the sending half kept its SSRC");
        await WaitUntilAsync(() => elsewhere.CesSsrc == session.Sender.Ssrc, "the new SSRC was not published");
        Assert.NotEqual(before, elsewhere.CesSsrc);
    }

    [GeneratedRegex(@"sending pid (\d+), receiving pid (\d+)")]
    private static partial Regex PidsLine();

    /// <summary>The live worker processes (running or standby) of the call whose counters are named <paramref name="session"/>.</summary>
    private static List<int> WorkersOf(string session)
    {
        string counters = FlowControl.FlowControlCounters.PathFor(session);
        var workers = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && IsAlive(pid))
            {
                try
                {
                    string environment = File.ReadAllText(Path.Combine(dir, "environ"));
                    if (environment.Contains(Hosting.WorkerConfig.EnvironmentVariable + "=", StringComparison.Ordinal) && environment.Contains(counters, StringComparison.Ordinal))
                    {
                        workers.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile, or not ours to read.
                }
            }
        }

        return workers;
    }

    /// <summary>Whether the process runs: it exists and is not a zombie waiting to be reaped.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException) // FileNotFoundException, DirectoryNotFoundException: no such process
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Timeout, failure);
            await Task.Delay(10);
        }
    }

    /// <summary>The index of the first 10 ms window at or after byte <paramref name="from"/> of a mono 16-bit WAV file in which the host's tone is heard.</summary>
    private static int? FirstToneFrom(string path, long from, double threshold)
    {
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.Position = from;
            bytes = new byte[Math.Max(0, stream.Length - from)];
            stream.ReadExactly(bytes);
        }

        float[] window = new float[480];
        for (int w = 0; (w + 1) * 960 <= bytes.Length; w++)
        {
            for (int i = 0; i < window.Length; i++)
            {
                window[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan((w * 960) + (2 * i))) / 32767f;
            }

            if (ToneMeter.Amplitude(window, ToneToHost) >= threshold)
            {
                return w;
            }
        }

        return null;
    }

    /// <summary>A sink that notes, for every frame played, when it was played and how loud one tone is in it.</summary>
    private sealed class TimedToneSink(AudioFormat format, double frequency) : IAudioSink
    {
        private readonly List<(long At, double Amplitude)> _frames = new(capacity: 20_000);

        public AudioFormat Format { get; } = format;

        public bool IsRealTime => false;

        public void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken)
        {
            double amplitude = ToneMeter.Amplitude(samples, frequency);
            lock (_frames)
            {
                _frames.Add((Stopwatch.GetTimestamp(), amplitude));
            }
        }

        /// <summary>When the first frame after <paramref name="after"/> with the tone at or above <paramref name="threshold"/> was played.</summary>
        public long? FirstAfter(long after, double threshold) => First(f => f.At > after && f.Amplitude >= threshold);

        /// <summary>When the first frame after <paramref name="after"/> with the tone below <paramref name="threshold"/> was played.</summary>
        public long? FirstBelowAfter(long after, double threshold) => First(f => f.At > after && f.Amplitude < threshold);

        public void Dispose()
        {
        }

        private long? First(Func<(long At, double Amplitude), bool> match)
        {
            lock (_frames)
            {
                foreach (var frame in _frames)
                {
                    if (match(frame))
                    {
                        return frame.At;
                    }
                }

                return null;
            }
        }
    }
}
