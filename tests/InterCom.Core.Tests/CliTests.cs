using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterCom.Core.Video;

namespace InterCom.Core.Tests;

/// <summary>The <c>intercom</c> command as users run it: real processes, real sockets, real files.</summary>
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class CliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_call_processes_carry_each_others_tone_and_report_statistics()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-cli-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string[] common = ["--duration", "4", "--quiet"];
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440",
            "--output", Path.Combine(dir, "a.wav"), "--stats-json", Path.Combine(dir, "a.json"), .. common]);
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
            "--output", Path.Combine(dir, "b.wav"), "--stats-json", Path.Combine(dir, "b.json"), .. common]);
        Assert.Equal(0, await a.WaitAsync(Timeout));
        Assert.Equal(0, await b.WaitAsync(Timeout));

        using JsonDocument statsA = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a.json")));
        using JsonDocument statsB = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "b.json")));

        // Each side hears the other's tone, not its own, with no gap once it started but where it concealed a stall.
        EndToEndTests.AssertHears(SignalAnalysis.ReadWavMono(Path.Combine(dir, "a.wav")), expected: 660, own: 440, a.StandardError, concealedFrames: Concealed(statsA));
        EndToEndTests.AssertHears(SignalAnalysis.ReadWavMono(Path.Combine(dir, "b.wav")), expected: 440, own: 660, b.StandardError, concealedFrames: Concealed(statsB));
        foreach ((JsonDocument receiver, JsonDocument sender, int senderPort) in new[] { (statsA, statsB, portB), (statsB, statsA, portA) })
        {
            JsonElement root = receiver.RootElement;
            Assert.InRange(root.GetProperty("durationSeconds").GetDouble(), 3.5, 6);
            JsonElement process = root.GetProperty("process");
            Assert.InRange(process.GetProperty("cpuSeconds").GetDouble(), 0.01, process.GetProperty("wallSeconds").GetDouble() * Environment.ProcessorCount);
            Assert.True(process.GetProperty("wallSeconds").GetDouble() >= root.GetProperty("durationSeconds").GetDouble());
            Assert.True(process.GetProperty("allocatedBytes").GetInt64() > 0);
            Assert.True(process.GetProperty("gen0Collections").GetInt32() >= process.GetProperty("gen2Collections").GetInt32());
            JsonElement peer = Assert.Single(root.GetProperty("peers").EnumerateArray());
            Assert.Equal(peer.GetProperty("packetsReceived").GetInt64(), root.GetProperty("received").GetProperty("packets").GetInt64());
            Assert.Equal($"127.0.0.1:{senderPort}", peer.GetProperty("endpoint").GetString());
            long sent = sender.RootElement.GetProperty("sent").GetProperty("packets").GetInt64();
            long received = peer.GetProperty("packetsReceived").GetInt64();
            Assert.InRange(sent, 300, 480);
            Assert.InRange(received, sent - 100, sent); // the other process may start up to ~1 s later
            Assert.Equal(0, peer.GetProperty("packetsLost").GetInt64());
            Assert.Equal(0, peer.GetProperty("packetsLate").GetInt64());
            Assert.Equal(0, peer.GetProperty("packetsDuplicate").GetInt64());
            Assert.True(peer.GetProperty("ssrc").GetUInt32() > 0);
            Assert.InRange(peer.GetProperty("playoutDelayMs").GetDouble(), 5, 100);
            Assert.InRange(peer.GetProperty("targetDelayMs").GetDouble(), 0, 40); // adaptive by default: low on loopback (0: nothing beyond what each read takes)
            Assert.InRange(peer.GetProperty("framesPlayed").GetInt64(), received - 100, received + 100);
            Assert.InRange(peer.GetProperty("jitterMs").GetDouble(), 0, 20);
            Assert.True(root.GetProperty("sent").GetProperty("bytes").GetInt64() > 0);
            Assert.Equal(0, root.GetProperty("sent").GetProperty("framesSuppressed").GetInt64()); // --dtx is off by default
            Assert.Equal(0, root.GetProperty("device").GetProperty("resamplingMs").GetDouble()); // no device to resample
            Assert.Equal(0, peer.GetProperty("comfortNoiseMs").GetDouble());
            JsonElement flow = root.GetProperty("flowControl");
            Assert.InRange(flow.GetProperty("roundTripMs").GetDouble(), 0.001, 50); // RTCP went both ways
            Assert.Equal(32_000, flow.GetProperty("targetBitrate").GetInt32());    // a clean link: no back-off
            Assert.False(flow.GetProperty("fec").GetBoolean());
            foreach (string field in new[] { "framesConcealed", "bytesReceived" })
            {
                Assert.True(peer.TryGetProperty(field, out _), field);
            }
        }
    }

    [Fact]
    public async Task Counters_written_by_a_call_process_are_read_consistently_by_other_processes()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-cli-").FullName;
        string session = $"test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440",
            "--output", Path.Combine(dir, "a.wav"), "--duration", "60", "--quiet", "--session", session]);
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
            "--output", Path.Combine(dir, "b.wav"), "--duration", "60", "--quiet"]);
        string path = FlowControl.FlowControlCounters.PathFor(session);
        await WaitForAsync(() => File.Exists(path), a);

        // This process maps the file the call process writes, and reads it while it is being written.
        using (var counters = FlowControl.FlowControlCounters.Open(path))
        {
            await WaitForAsync(() => counters.Snapshot().Rdp.RoundTripMicros > 0, a); // the peers' reports have come
            FlowControl.FlowControlSnapshot first = counters.Snapshot();
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            FlowControl.FlowControlSnapshot second = counters.Snapshot();
            Assert.Equal(a.Id, first.Ces.ProcessId);
            Assert.Equal(a.Id, first.Rdp.ProcessId);
            Assert.True(second.Ces.Heartbeat > first.Ces.Heartbeat && second.Rdp.Heartbeat > first.Rdp.Heartbeat, "heartbeats advance");
            Assert.True(second.Ces.PacketsSent >= first.Ces.PacketsSent + 50, $"{first.Ces.PacketsSent} then {second.Ces.PacketsSent}");
            Assert.True(second.Rdp.PacketsReceived >= first.Rdp.PacketsReceived + 50, $"{first.Rdp.PacketsReceived} then {second.Rdp.PacketsReceived}");
            Assert.Equal(0, second.Rdp.PacketsLost);
            Assert.Equal(32_000, second.Ces.TargetBitrate);
            Assert.InRange(second.Rdp.RoundTripMicros, 1, 50_000);
        }

        // And a third process, as a user in another terminal would.
        (int code, string output, string error) = await IntercomProcess.RunAsync(["stats", "--session", session, "--count", "2"], Timeout);
        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^ces +\d+\.\ds sent \d+ pkts .* \| rdp +\d+\.\ds received \d+ .* \| rtt \d+\.\d ms", l));

        // The calls run until stopped (a fixed duration could end before a slow machine got here).
        a.Interrupt();
        b.Interrupt();
        Assert.Equal(0, await a.WaitAsync(Timeout));
        Assert.Equal(0, await b.WaitAsync(Timeout));
        Assert.False(File.Exists(path), "the counters file is removed when the call ends");
        (code, _, error) = await IntercomProcess.RunAsync(["stats", "--session", session], Timeout);
        Assert.Equal(1, code);
        Assert.Contains("no session of that name", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_dtx_on_a_quiet_room_is_sent_as_comfort_noise_and_the_other_end_hears_it_not_silence()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-cli-").FullName;
        string room = Path.Combine(dir, "room.wav");
        using (var sink = new Audio.WavFileSink(room, Audio.AudioFormat.Mono48k))
        {
            sink.Write(DtxTests.Noise(5, -55, seed: 9), CancellationToken.None);
        }

        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string jsonA = Path.Combine(dir, "a.json"), jsonB = Path.Combine(dir, "b.json"), heard = Path.Combine(dir, "b.wav");
        using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
            "--output", heard, "--stats-json", jsonB, "--duration", "5", "--quiet"]);
        using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", room,
            "--output", Path.Combine(dir, "a.wav"), "--dtx", "on", "--stats-json", jsonA, "--duration", "4", "--quiet"]);
        Assert.True(await a.WaitAsync(Timeout) == 0, a.StandardError);
        Assert.True(await b.WaitAsync(Timeout) == 0, b.StandardError);

        using JsonDocument statsA = JsonDocument.Parse(File.ReadAllText(jsonA));
        using JsonDocument statsB = JsonDocument.Parse(File.ReadAllText(jsonB));
        JsonElement sent = statsA.RootElement.GetProperty("sent");
        JsonElement peer = Assert.Single(statsB.RootElement.GetProperty("peers").EnumerateArray());
        Assert.True(sent.GetProperty("framesSuppressed").GetInt64() > 300, sent.ToString()); // of about 400 frames, all but the first hangover
        Assert.True(sent.GetProperty("packets").GetInt64() < 60, sent.ToString());
        Assert.True(peer.GetProperty("comfortNoiseMs").GetDouble() > 2_500, peer.ToString());
        float[] played = SignalAnalysis.ReadWavMono(heard);
        int from = SignalAnalysis.FirstSound(played, 0.0005f) + 48_000;
        Assert.True(played.Length - from > 48_000, $"{played.Length} samples heard");
        Assert.InRange(SignalAnalysis.Decibels(SignalAnalysis.Rms(played.AsSpan(from, 48_000))), -60, -50); // the room's −55 dBFS
    }

    [Fact]
    public async Task Ctrl_C_stops_a_call_cleanly_with_the_wav_file_and_statistics_complete()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-cli-").FullName;
        int port = Ports.FreeUdp();
        string wav = Path.Combine(dir, "out.wav"), json = Path.Combine(dir, "stats.json");
        using var call = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{port}", "--peer", $"127.0.0.1:{port}",
            "--input", "tone:500", "--output", wav, "--stats-json", json]);
        await WaitForAsync(() => call.StandardError.Contains("[    1s]", StringComparison.Ordinal), call);
        call.Interrupt();
        Assert.Equal(0, await call.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(File.Exists(json), call.StandardError);
        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(stats.RootElement.GetProperty("sent").GetProperty("packets").GetInt64() > 50);
        using var source = new Audio.WavFileSource(wav);
        long bytes = new FileInfo(wav).Length;
        Assert.True(bytes > 44 + 96_000, $"{bytes} bytes"); // the header's sizes match the data written
        var all = new float[bytes];
        Assert.Equal((bytes - 44) / 2, source.Read(all, CancellationToken.None));
    }

    public static TheoryData<string[], string> BadUsage => new()
    {
        { ["call", "--peer", "127.0.0.1:5004"], "--listen" },
        { ["call", "--listen", "5004"], "--peer" },
        { ["call", "--listen", "70000", "--peer", "127.0.0.1:5004"], "--listen" },
        { ["call", "--listen", "5004", "--peer", "nohostport"], "--peer" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--codec", "mp3"], "--codec" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--frame-ms", "7"], "--frame-ms" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--bitrate", "12"], "--bitrate" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--channels", "3"], "--channels" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--buffer-ms", "abc"], "--buffer-ms" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--buffer-ms", "20", "--buffer-max-ms", "50"], "--buffer-max-ms" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--buffer-min-ms", "80", "--buffer-max-ms", "50"], "--buffer-min-ms" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--input", "tone:-5"], "--input" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--output", "tone:440"], "--output" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--bogus"], "--bogus" },
        { ["call", "--listen", "0", "--peer", "127.0.0.1:5004", "--processes"], "--listen" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--key", "not-a-key"], "--key" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--key", "AAAA", "--key-file", "/tmp/k"], "--key-file" },
        { ["relay", "--listen", "5004"], "--forward" },
        { ["relay", "--listen", "5004", "--forward", "127.0.0.1:5006", "--loss", "150"], "--loss" },
        { ["relay", "--listen", "5004", "--forward", "127.0.0.1:5006", "--burst-loss", "0"], "--burst-loss" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--profile", "fast"], "--profile" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--frame-ms", "period"], "--frame-ms" }, // Opus frames cannot follow the device period
        { ["latency", "--bursts", "0"], "--bursts" },
        { ["latency", "--channels", "2"], "--channels" },
        { ["demo", "--duration", "0"], "--duration" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "testsrc", "--video-size", "641x360"], "--video-size" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "testsrc", "--video-size", "big"], "--video-size" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "testsrc", "--fps", "500"], "--fps" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "testsrc", "--video-bitrate", "10"], "--video-bitrate" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "movie.mp4"], "--video" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video-out", "screen"], "--video-out" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--fps", "30"], "--fps" },          // video settings without video
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--video", "testsrc", "--processes"], "--processes" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--input", "tone:440", "--aec", "on"], "--aec" }, // nothing played to cancel from a tone
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--aec", "maybe"], "--aec" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--aec-tail-ms", "5"], "--aec-tail-ms" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--agc", "loud"], "--agc" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--dtx", "auto"], "--dtx" },
        { ["serve", "--http", "0.0.0.0:8080"], "answers beyond this machine: give --token" },
        { ["serve", "--http", "8080", "--token", "short"], "--token must be at least 16 characters" },
        { ["call", "--listen", "5004", "--peer", "127.0.0.1:5004", "--noise-suppression", "on", "--processes"], "--noise-suppression" },
        { ["aec", "--far", "far.wav", "--out", "out.wav"], "--mic" },
        { ["aec", "--far", "far.wav", "--mic", "mic.wav", "--out", "out.wav", "--tail-ms", "2000"], "--tail-ms" },
        { ["frobnicate"], "frobnicate" },
        { ["stats"], "--session" },
        { ["stats", "--session", "../x"], "--session" },
    };

    [Theory]
    [MemberData(nameof(BadUsage))]
    public async Task Bad_usage_exits_2_with_a_message_naming_the_option(string[] args, string named)
    {
        (int code, _, string error) = await IntercomProcess.RunAsync(args, Timeout);
        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("call")]
    [InlineData("demo")]
    [InlineData("devices")]
    [InlineData("stats")]
    [InlineData("keygen")]
    [InlineData("relay")]
    public async Task Every_command_has_help(string command)
    {
        (int code, string output, _) = await IntercomProcess.RunAsync([command, "--help"], Timeout);
        Assert.Equal(0, code);
        Assert.Contains($"intercom {command}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_calls_with_one_key_from_keygen_talk_encrypted_and_with_different_keys_hear_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-key-").FullName;
        string keyFile = Path.Combine(dir, "call.key");
        (int code, _, string error) = await IntercomProcess.RunAsync(["keygen", "--out", keyFile], Timeout);
        Assert.True(code == 0, error);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        (code, string otherKey, _) = await IntercomProcess.RunAsync(["keygen"], Timeout);
        Assert.Equal(0, code);
        Assert.Equal(40, otherKey.Trim().Length);
        (code, _, error) = await IntercomProcess.RunAsync(["keygen", "--out", keyFile], Timeout);
        Assert.Equal(1, code); // a key file is never overwritten
        Assert.Contains(keyFile, error, StringComparison.Ordinal);

        foreach (bool sameKey in new[] { true, false })
        {
            int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
            string jsonA = Path.Combine(dir, $"a-{sameKey}.json");
            using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440",
                "--output", Path.Combine(dir, $"a-{sameKey}.wav"), "--duration", "3", "--quiet", "--key-file", keyFile, "--stats-json", jsonA]);
            using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
                "--output", Path.Combine(dir, $"b-{sameKey}.wav"), "--duration", "3", "--quiet", "--key", sameKey ? File.ReadAllText(keyFile).Trim() : otherKey.Trim()]);
            Assert.Equal(0, await a.WaitAsync(Timeout));
            Assert.Equal(0, await b.WaitAsync(Timeout));
            Assert.DoesNotContain("not encrypted", a.StandardError, StringComparison.Ordinal);

            using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(jsonA));
            JsonElement root = stats.RootElement;
            Assert.True(root.GetProperty("encrypted").GetBoolean());
            long failed = root.GetProperty("packetsRejected").GetProperty("authentication").GetInt64();
            int peers = root.GetProperty("peers").GetArrayLength();
            if (sameKey)
            {
                Assert.Equal(0, failed);
                Assert.Equal(1, peers);
            }
            else
            {
                Assert.True(failed > 100, $"{failed} failed authentication");
                Assert.Equal(0, peers);
            }
        }
    }

    [Fact]
    public async Task Without_a_key_a_call_warns_that_media_is_not_encrypted_and_a_missing_key_file_is_an_error()
    {
        (int code, _, string error) = await IntercomProcess.RunAsync(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--input", "tone:440", "--output", Path.Combine(Path.GetTempPath(), "plain.wav"), "--duration", "0.3", "--quiet"], Timeout);
        Assert.Equal(0, code);
        Assert.Single(error.Split('\n'), l => l.Contains("not encrypted", StringComparison.Ordinal));

        (code, _, error) = await IntercomProcess.RunAsync(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--key-file", "/nonexistent/call.key"], Timeout);
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/call.key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_input_file_is_a_runtime_error_naming_the_file()
    {
        (int code, _, string error) = await IntercomProcess.RunAsync(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--input", "/nonexistent/in.wav", "--output", "/tmp/x.wav", "--duration", "1"], Timeout);
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/in.wav", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the receiving worker fails, and the host reports its reason
    public async Task A_port_in_use_is_a_runtime_error_saying_so(bool processes)
    {
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)taken.Client.LocalEndPoint!).Port;
        (int code, _, string error) = await IntercomProcess.RunAsync(
            ["call", "--listen", $"127.0.0.1:{port}", "--peer", "127.0.0.1:9", "--input", "tone:440", "--output", Path.Combine(Path.GetTempPath(), "x.wav"),
             .. processes ? new[] { "--processes" } : []], Timeout);
        Assert.Equal(1, code);
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_PortAudio_the_error_names_the_package_to_install()
    {
        var environment = new Dictionary<string, string> { ["INTERCOM_PORTAUDIO_LIBRARY"] = "/nonexistent/libportaudio.so.2" };
        (int code, _, string error) = await IntercomProcess.RunAsync(["devices"], Timeout, environment);
        Assert.Equal(1, code);
        Assert.Contains("apt-get install libportaudio2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_without_devices_runs_a_call_and_checks_both_directions()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-demo-").FullName;
        (int code, string output, string error) = await IntercomProcess.RunAsync(["demo", "--no-devices", "--duration", "2", "--out-dir", dir], Timeout);
        Assert.True(code == 0, output + error);
        Assert.Contains("Demo OK: both directions carried audio and video", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "demo-a.wav")));
        Assert.True(File.Exists(Path.Combine(dir, "demo-b.wav")));
        Assert.True(FrameStamp.ReadFrameNumbers(Path.Combine(dir, "demo-a.y4m")).Length >= 30, output); // no DISPLAY in the test: files
    }

    [Theory]
    [InlineData("/dev/video97", "There is no camera at /dev/video97")]
    [InlineData("/dev/null", "/dev/null is not a V4L2 device")]
    public async Task A_camera_that_is_not_there_is_a_clear_runtime_error(string device, string message)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-camera-").FullName;
        (int code, _, string error) = await IntercomProcess.RunAsync(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", "127.0.0.1:9", "--input", "tone:440", "--output", Path.Combine(dir, "a.wav"),
             "--video", device, "--duration", "1", "--quiet"], Timeout);
        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_video_call_reports_its_video_in_the_statistics_json()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-video-cli-").FullName;
        int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
        string json = Path.Combine(dir, "a.json"), y4m = Path.Combine(dir, "a.y4m");
        using var a = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440", "--output", Path.Combine(dir, "a.wav"),
             "--video", "testsrc", "--video-out", y4m, "--video-size", "640x360", "--fps", "25", "--video-bitrate", "400000", "--duration", "4", "--quiet", "--stats-json", json]);
        using var b = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660", "--output", Path.Combine(dir, "b.wav"),
             "--video", "testsrc", "--fps", "25", "--duration", "4", "--quiet"]);
        Assert.Equal(0, await a.WaitAsync(Timeout));
        Assert.Equal(0, await b.WaitAsync(Timeout));

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement video = stats.RootElement.GetProperty("video");
        foreach (string field in new[] { "framesSent", "framesReceived", "framesDecoded", "framesDropped", "keyframesRequested", "nacksSent", "packetsRetransmitted", "freezeMs", "decodeMs" })
        {
            Assert.True(video.TryGetProperty(field, out _), $"no {field}: {video}");
        }

        Assert.InRange(video.GetProperty("framesSent").GetInt64(), 75, 110); // 25 fps for 4 s
        Assert.True(video.GetProperty("framesDecoded").GetInt64() >= 50, video.ToString());
        Assert.True(video.GetProperty("targetBitrate").GetInt64() <= 400_000, video.ToString());
        JsonElement glass = video.GetProperty("glassToGlassMs");
        Assert.True(glass.GetProperty("p50").GetDouble() <= glass.GetProperty("p95").GetDouble(), glass.ToString());
        Assert.Equal(0, video.GetProperty("framesOutOfOrder").GetInt64());
        uint[] numbers = FrameStamp.ReadFrameNumbers(y4m);
        Assert.True(numbers.Length >= 50 && numbers.Zip(numbers.Skip(1)).All(p => p.Second > p.First), $"{numbers.Length} frames");
    }

    private static long Concealed(JsonDocument stats) => stats.RootElement.GetProperty("peers").EnumerateArray().Sum(p => p.GetProperty("framesConcealed").GetInt64());

    private static async Task WaitForAsync(Func<bool> condition, IntercomProcess process)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out; stderr: {process.StandardError}");
            await Task.Delay(50);
        }
    }
}
