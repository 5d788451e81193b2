using System.Diagnostics;
using System.Text.Json;

namespace InterCom.Core.Tests;

/// <summary>
/// Faults a call must survive, made for real: a JACK server that exits and comes back, signals to a call
/// whose server is gone, worker processes that stop answering, a relay both ends point at, a full disk.
/// </summary>
[Trait(Needs.Trait, Needs.Jack)]
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class FaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("playback")]
    [InlineData("capture")]
    public async Task A_call_whose_JACK_server_exits_goes_on_and_uses_the_device_again_when_the_server_returns(string direction)
    {
        using var jack = new PrivateJackServer();
        string dir = Directory.CreateTempSubdirectory("intercom-fault-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string client = $"fa{Guid.NewGuid():N}"[..10];
        bool playback = direction == "playback";
        // A's device is the JACK one; B is a plain end with a tone and a file.
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--client-name", client,
             "--input", playback ? "tone:440" : "jack:system", "--output", playback ? "jack:system" : Path.Combine(dir, "a.wav"),
             "--duration", "14", "--stats-json", Path.Combine(dir, "a.json")],
            jack.Environment);
        using var b = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660", "--output", Path.Combine(dir, "b.wav"),
             "--duration", "16", "--quiet"]);
        string port = playback ? $"{client}:out_0" : $"{client}:in_0";
        Assert.True(jack.WaitForPort(port, TimeSpan.FromSeconds(20)), $"{port} never appeared; A: {a.StandardError}");
        await Task.Delay(1000);

        var lost = Stopwatch.StartNew();
        jack.Stop();
        await WaitForAsync(a, "lost:", TimeSpan.FromSeconds(5));
        Assert.True(lost.Elapsed < TimeSpan.FromSeconds(1.5), $"the loss was reported {lost.Elapsed.TotalSeconds:F2} s after the server ended; A: {a.StandardError}");
        await Task.Delay(1500); // the call goes on without the server

        jack.Start();
        var back = Stopwatch.StartNew();
        Assert.True(jack.WaitForPort(port, TimeSpan.FromSeconds(10)), $"{port} did not come back; A: {a.StandardError}");
        await WaitForAsync(a, "is back", TimeSpan.FromSeconds(10));
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(3), $"the device came back {back.Elapsed.TotalSeconds:F2} s after the server; A: {a.StandardError}");

        // Sound flows through JACK again: what A plays is recorded there, or a tone fed there reaches B.
        string recording = Path.Combine(dir, "jack.wav");
        if (playback)
        {
            Assert.Equal(0, jack.Run("jack_rec", "-f", recording, "-d", "2", port));
            float[] heard = SignalAnalysis.ReadWavMono(recording);
            Assert.True(SignalAnalysis.MedianToneAmplitude(heard, 660) > 0.3 * Audio.ToneSource.DefaultAmplitude,
                $"B's tone is not played to JACK after its return: {SignalAnalysis.MedianToneAmplitude(heard, 660):F4}; A: {a.StandardError}");
        }
        else
        {
            using var metro = Process.Start(new ProcessStartInfo("jack_metro", ["-n", client + "m", "-b", "120", "-f", "880", "-D", "450"])
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["JACK_DEFAULT_SERVER"] = jack.Name },
            })!;
            try
            {
                Assert.True(jack.WaitForPort($"{client}m:120_bpm", TimeSpan.FromSeconds(10)), "jack_metro did not start");
                Assert.Equal(0, jack.Run("jack_connect", $"{client}m:120_bpm", port));
                await Task.Delay(2500);
            }
            finally
            {
                metro.Kill();
            }
        }

        Assert.Equal(0, await a.WaitAsync(Timeout)); // ends at its --duration, with exit 0
        Assert.Equal(0, await b.WaitAsync(Timeout));
        if (!playback)
        {
            float[] atB = SignalAnalysis.ReadWavMono(Path.Combine(dir, "b.wav"));
            Assert.True(SignalAnalysis.ToneAmplitude(atB, 880) > 0.02, $"the tone fed into A's JACK input after the return never reached B: {SignalAnalysis.ToneAmplitude(atB, 880):F4}");
        }

        // B kept hearing A (its tone, or silence, but packets) all through the outage: the network side ran on.
        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
        JsonElement device = stats.RootElement.GetProperty("device");
        Assert.Equal(1, device.GetProperty("lost").GetInt32());
        Assert.Equal(1, device.GetProperty("reopened").GetInt32());
        Assert.Equal("running", device.GetProperty("state").GetString());
        Assert.InRange(stats.RootElement.GetProperty("sent").GetProperty("packets").GetInt64(), 1200, 1500); // 14 s of 10 ms frames, no hole
        Assert.InRange(stats.RootElement.GetProperty("received").GetProperty("packets").GetInt64(), 1100, 1500);
        Assert.Contains("device lost", a.StandardError, StringComparison.Ordinal); // the status line said it
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_ends_a_call_whose_JACK_server_was_killed_within_two_seconds(string signal)
    {
        using var jack = new PrivateJackServer();
        string client = $"fs{Guid.NewGuid():N}"[..10];
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--client-name", client,
             "--input", "jack:system", "--output", "jack:system", "--quiet"],
            jack.Environment);
        Assert.True(jack.WaitForConnection($"{client}:out_0", TimeSpan.FromSeconds(20)), $"no JACK client connected; {a.StandardError}");
        jack.Stop();
        await WaitForAsync(a, "lost:", TimeSpan.FromSeconds(5));
        await Task.Delay(700); // the stuck close has been abandoned; the call holds on without the server

        var clock = Stopwatch.StartNew();
        a.Signal(signal);
        int code = await a.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"SIG{signal} took {clock.Elapsed.TotalSeconds:F2} s to end the call; {a.StandardError}");
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task With_on_device_loss_fail_a_lost_device_ends_the_call_with_exit_code_1()
    {
        using var jack = new PrivateJackServer();
        string client = $"ff{Guid.NewGuid():N}"[..10];
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--client-name", client,
             "--input", "tone:440", "--output", "jack:system", "--on-device-loss", "fail", "--duration", "30", "--quiet"],
            jack.Environment);
        Assert.True(jack.WaitForConnection($"{client}:out_0", TimeSpan.FromSeconds(20)), $"no JACK client connected; {a.StandardError}");
        var clock = Stopwatch.StartNew();
        jack.Stop();
        Assert.Equal(1, await a.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("--on-device-loss is fail", a.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_workers_are_killed_and_replaced_and_the_sound_comes_back_both_ways()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-fault-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440", "--output", Path.Combine(dir, "a.wav"),
             "--processes", "--duration", "60", "--stats-json", Path.Combine(dir, "a.json")]);
        using var b = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660", "--output", Path.Combine(dir, "b.wav"),
             "--duration", "60", "--quiet"]);
        (int sender, int receiver) = await WorkerPidsAsync(a);
        await Task.Delay(2000);
        var stopped = new List<int>();
        foreach ((int pid, string worker, string wav, double tone) in new[] { (sender, "sending", "b.wav", 440.0), (receiver, "receiving", "a.wav", 660.0) })
        {
            int hungBefore = Count(a.StandardError, "has not beaten");
            var clock = Stopwatch.StartNew();
            Kill("STOP", pid);
            stopped.Add(pid);
            while (Count(a.StandardError, "has not beaten") == hungBefore)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stopped {worker} worker was never replaced; {a.StandardError}");
                await Task.Delay(50);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the stopped {worker} worker was taken for hung after {clock.Elapsed.TotalSeconds:F2} s");
            Assert.Contains($"The {worker} worker (pid {pid}) has not beaten", a.StandardError, StringComparison.Ordinal);
            await Task.Delay(2500);

            // The sound is back: the last second written holds the other end's tone.
            float[] heard = SignalAnalysis.ReadWavMono(Path.Combine(dir, wav));
            float[] last = heard[^48_000..];
            Assert.True(SignalAnalysis.MedianToneAmplitude(last, tone) > 0.5 * Audio.ToneSource.DefaultAmplitude,
                $"after the {worker} worker was replaced, {wav}'s last second holds {SignalAnalysis.MedianToneAmplitude(last, tone):F4} of {tone} Hz; {a.StandardError}");
        }

        a.Interrupt();
        b.Interrupt();
        Assert.Equal(0, await a.WaitAsync(Timeout));
        Assert.Equal(0, await b.WaitAsync(Timeout));
        foreach (int pid in stopped)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"the stopped worker {pid} is still there");
        }

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
        JsonElement processes = stats.RootElement.GetProperty("processes");
        Assert.Equal(1, processes.GetProperty("senderHung").GetInt32());
        Assert.Equal(1, processes.GetProperty("receiverHung").GetInt32());
        Assert.Equal(1, processes.GetProperty("senderRestarts").GetInt32());
        Assert.Equal(1, processes.GetProperty("receiverRestarts").GetInt32());
    }

    [Fact]
    public async Task A_sending_worker_whose_wav_input_ended_is_idle_not_hung()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-fault-").FullName;
        string input = Path.Combine(dir, "short.wav");
        using (var wav = new Audio.WavFileSink(input, Audio.AudioFormat.Mono48k))
        {
            var tone = new Audio.ToneSource(440, Audio.AudioFormat.Mono48k);
            float[] half = new float[24_000];
            tone.Read(half, CancellationToken.None);
            wav.Write(half, CancellationToken.None); // 0.5 s: over long before the call is
        }

        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--input", input, "--output", Path.Combine(dir, "a.wav"),
             "--processes", "--duration", "4", "--quiet", "--stats-json", Path.Combine(dir, "a.json")]);
        Assert.Equal(0, await a.WaitAsync(Timeout));
        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
        JsonElement processes = stats.RootElement.GetProperty("processes");
        Assert.Equal(0, processes.GetProperty("senderHung").GetInt32());
        Assert.Equal(0, processes.GetProperty("senderRestarts").GetInt32());
        Assert.DoesNotContain("has not beaten", a.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_calls_that_both_point_at_the_relays_port_hear_each_other_and_the_loss_is_counted_each_way()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-fault-").FullName;
        int relayPort = Ports.FreeUdp(), portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        using var relay = IntercomProcess.Start(["relay", "--listen", $"127.0.0.1:{relayPort}", "--forward", $"127.0.0.1:{portB}", "--loss", "10", "--seed", "7", "--duration", "9", "--quiet"]);
        await WaitForAsync(relay, "forwarding from port", TimeSpan.FromSeconds(20));
        string[] common = ["--peer", $"127.0.0.1:{relayPort}", "--duration", "6", "--quiet"];
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--input", "tone:440", "--output", Path.Combine(dir, "a.wav"), "--stats-json", Path.Combine(dir, "a.json"), .. common]);
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--input", "tone:660", "--output", Path.Combine(dir, "b.wav"), "--stats-json", Path.Combine(dir, "b.json"), .. common]);
        Assert.Equal(0, await a.WaitAsync(Timeout));
        Assert.Equal(0, await b.WaitAsync(Timeout));
        Assert.Equal(0, await relay.WaitAsync(Timeout));

        foreach ((string wav, string json, double tone) in new[] { ("a.wav", "a.json", 660.0), ("b.wav", "b.json", 440.0) })
        {
            float[] heard = SignalAnalysis.ReadWavMono(Path.Combine(dir, wav));
            Assert.True(SignalAnalysis.MedianToneAmplitude(heard, tone) > 0.5 * Audio.ToneSource.DefaultAmplitude, $"{wav} does not hear {tone} Hz through the relay");
            using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, json)));
            JsonElement peer = Assert.Single(stats.RootElement.GetProperty("peers").EnumerateArray());
            long received = peer.GetProperty("packetsReceived").GetInt64(), lost = peer.GetProperty("packetsLost").GetInt64();
            Assert.InRange(received, 300, 600);
            Assert.InRange(lost / (double)(received + lost), 0.04, 0.18); // 10 % each way, counted by each receiver
        }

        // The relay's own count: datagrams lost in each direction.
        string summary = relay.StandardError.Split('\n').Last(l => l.Contains("(whole run)", StringComparison.Ordinal));
        System.Text.RegularExpressions.MatchCollection counts = System.Text.RegularExpressions.Regex.Matches(summary, @"(\d+) in, (\d+) lost");
        Assert.Equal(2, counts.Count);
        Assert.All(counts, m => Assert.True(long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 20, summary));
    }

    [Fact]
    public async Task A_wav_output_on_a_full_file_system_stops_alone_and_the_file_stays_valid()
    {
        Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root", "this test mounts a small tmpfs: run it as root (as scripts/test.sh does in CI)");
        string mount = Directory.CreateTempSubdirectory("intercom-full-").FullName;
        Assert.Equal(0, Run("mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mount));
        try
        {
            string dir = Directory.CreateTempSubdirectory("intercom-fault-").FullName;
            int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
            string wav = Path.Combine(mount, "a.wav"); // 96 kB/s of 16-bit mono: full after about 2 s
            using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440",
                "--output", wav, "--duration", "5", "--quiet", "--stats-json", Path.Combine(dir, "a.json")]);
            using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
                "--output", Path.Combine(dir, "b.wav"), "--duration", "5", "--quiet"]);
            Assert.Equal(0, await a.WaitAsync(Timeout));
            Assert.Equal(0, await b.WaitAsync(Timeout));

            Assert.Equal(1, Count(a.StandardError, "output failed")); // logged once
            using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
            Assert.Equal(1, stats.RootElement.GetProperty("outputFailures").GetInt64());
            JsonElement peer = Assert.Single(stats.RootElement.GetProperty("peers").EnumerateArray());
            Assert.InRange(peer.GetProperty("packetsReceived").GetInt64(), 400, 520); // received to the end: the call went on
            Assert.InRange(peer.GetProperty("framesPlayed").GetInt64(), 400, 520);

            // A valid WAV up to the failure: its header says what it holds, and that is the other end's tone.
            byte[] header = File.ReadAllBytes(wav)[..44];
            long length = new FileInfo(wav).Length;
            Assert.Equal(length - 8, BitConverter.ToUInt32(header, 4));
            Assert.Equal(length - 44, BitConverter.ToUInt32(header, 40));
            Assert.InRange(length, 100_000, 205_000);
            float[] heard = SignalAnalysis.ReadWavMono(wav);
            Assert.True(SignalAnalysis.MedianToneAmplitude(heard, 660) > 0.5 * Audio.ToneSource.DefaultAmplitude);
            EndToEndTests.AssertHears(SignalAnalysis.ReadWavMono(Path.Combine(dir, "b.wav")), expected: 440, own: 660, b.StandardError);
        }
        finally
        {
            _ = Run("umount", mount);
        }
    }

    private static async Task<(int Sender, int Receiver)> WorkerPidsAsync(IntercomProcess host)
    {
        await WaitForAsync(host, "receiving pid", Timeout);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(host.StandardError, @"sending pid (\d+), receiving pid (\d+)");
        Assert.True(m.Success, host.StandardError);
        return (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task WaitForAsync(IntercomProcess process, string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!process.StandardError.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < timeout, $"'{text}' did not come within {timeout.TotalSeconds} s; stderr: {process.StandardError}");
            await Task.Delay(20);
        }
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, string.Empty, StringComparison.Ordinal).Length) / what.Length;

    private static void Kill(string signal, int pid) => Assert.Equal(0, Run("kill", $"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static int Run(string command, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(command, args) { UseShellExecute = false, RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
