using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using InterCom.Core.FlowControl;
using InterCom.Core.Security;

namespace InterCom.Core.Tests;

/// <summary>
/// GStreamer as the independent peer: its RTP/Opus (and SRTP AES-GCM, srtpenc/srtpdec over libsrtp)
/// is played by <c>intercom call</c>, and what <c>intercom call</c> sends is decoded by GStreamer.
/// The test command installs GStreamer (gstreamer1.0-tools, -plugins-base, -good, -bad).
/// </summary>
[Trait(Needs.Trait, Needs.GStreamer)]
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class GStreamerInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Intercom_plays_what_a_gstreamer_opus_sender_sends(bool encrypted)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-gst-in-").FullName;
        int port = Ports.FreeUdp();
        SrtpMasterKey key = SrtpMasterKey.Generate();
        string wav = Path.Combine(dir, "heard.wav"), json = Path.Combine(dir, "stats.json");
        using var call = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{port}", "--peer", $"127.0.0.1:{Ports.FreeUdp()}", "--input", "tone:440", "--output", wav,
             "--duration", "6", "--quiet", "--stats-json", json, .. encrypted ? new[] { "--key", key.ToBase64() } : []]);
        await Task.Delay(TimeSpan.FromSeconds(0.5)); // listening before GStreamer sends

        string srtp = encrypted ? $" ! srtpenc key={Hex(key)} rtp-cipher=aes-128-gcm rtp-auth=null rtcp-cipher=aes-128-gcm rtcp-auth=null" : "";
        (int code, string log) = await GstLaunchAsync(
            $"audiotestsrc freq=1000 volume=0.25 is-live=true samplesperbuffer=480 num-buffers=250 ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 " +
            $"! opusenc frame-size=10 ! rtpopuspay pt=111{srtp} ! udpsink host=127.0.0.1 port={port}");
        Assert.True(code == 0, log);
        Assert.Equal(0, await call.WaitAsync(Timeout));

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement peer = Assert.Single(stats.RootElement.GetProperty("peers").EnumerateArray());
        Assert.True(peer.GetProperty("packetsReceived").GetInt64() > 150, peer.ToString());
        Assert.Equal(0, stats.RootElement.GetProperty("packetsRejected").GetProperty("authentication").GetInt64());
        float[] heard = SignalAnalysis.ReadWavMono(wav);
        int first = SignalAnalysis.FirstSound(heard);
        Assert.True(first >= 0, "nothing was played");
        double level = SignalAnalysis.MedianToneAmplitude(heard.AsSpan(first + 9_600, 48_000), 1000);
        Assert.True(level > 0.15, $"GStreamer's 1 kHz tone at {level:F3} (sent at 0.25)");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Gstreamer_decodes_what_intercom_sends(bool encrypted)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-gst-out-").FullName;
        int gstPort = Ports.FreeUdp();
        string session = $"gst-{Environment.ProcessId}-{encrypted}";
        SrtpMasterKey key = SrtpMasterKey.Generate();
        using var call = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", $"127.0.0.1:{gstPort}", "--input", "tone:440",
             "--output", Path.Combine(dir, "unused.wav"), "--duration", "8", "--quiet", "--session", session,
             .. encrypted ? new[] { "--key", key.ToBase64() } : []]);

        // srtpdec wants the stream's SSRC with its key: the call publishes it in its counters.
        uint ssrc = 0;
        var waited = Stopwatch.StartNew();
        while (ssrc == 0)
        {
            Assert.True(waited.Elapsed < Timeout, call.StandardError);
            try
            {
                using FlowControlCounters counters = FlowControlCounters.Open(FlowControlCounters.PathFor(session));
                ssrc = counters.CesSsrc;
            }
            catch (FileNotFoundException)
            {
                // The call is still starting.
            }

            await Task.Delay(50);
        }

        string raw = Path.Combine(dir, "gst.s16");
        string source = encrypted
            ? $"udpsrc port={gstPort} num-buffers=250 caps=\"application/x-srtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111," +
              $"ssrc=(uint){ssrc.ToString(CultureInfo.InvariantCulture)},srtp-key=(buffer){Hex(key)},srtp-cipher=(string)aes-128-gcm,srtp-auth=(string)null," +
              "srtcp-cipher=(string)aes-128-gcm,srtcp-auth=(string)null\" ! srtpdec name=d"
            : $"udpsrc port={gstPort} num-buffers=250 caps=\"application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111\"";
        // srtpdec hands our (multiplexed) SRTCP out on a pad of its own, which never sees the end of the
        // stream: the pipeline is stopped after a while instead, and writes raw samples, unbuffered.
        string rtcp = encrypted ? " d.rtcp_src ! fakesink async=false" : "";
        (int code, string log) = await GstLaunchAsync(
            $"{source} ! rtpjitterbuffer ! rtpopusdepay ! opusdec ! audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 " +
            $"! filesink buffer-mode=unbuffered location={raw}{rtcp}",
            runFor: TimeSpan.FromSeconds(3));
        Assert.True(code == 0 && !log.Contains("ERROR", StringComparison.Ordinal), log);
        call.Interrupt();
        Assert.Equal(0, await call.WaitAsync(Timeout));

        byte[] bytes = File.ReadAllBytes(raw);
        float[] decoded = [.. Enumerable.Range(0, bytes.Length / 2).Select(i => BitConverter.ToInt16(bytes, 2 * i) / 32768f)];
        Assert.True(decoded.Length > 48_000, $"GStreamer decoded {decoded.Length} samples");
        double level = SignalAnalysis.MedianToneAmplitude(decoded.AsSpan(decoded.Length / 4, decoded.Length / 2), 440);
        Assert.True(level > 0.15, $"our 440 Hz tone at {level:F3} in GStreamer's output (sent at 0.25)");
    }

    private static string Hex(SrtpMasterKey key) => Convert.ToHexString([.. key.Key, .. key.Salt]).ToLowerInvariant();

    /// <summary>Runs one <c>gst-launch-1.0</c> pipeline to its end, or for <paramref name="runFor"/> and then stops it (exit code 0 if it was still running).</summary>
    internal static async Task<(int ExitCode, string Log)> GstLaunchAsync(string pipeline, TimeSpan? runFor = null)
    {
        var info = new ProcessStartInfo("sh", ["-c", $"exec gst-launch-1.0 -e -q {pipeline}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("sh is missing: cannot run GStreamer.", e);
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(runFor ?? Timeout);
            bool stopped = false;
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                Assert.True(runFor is not null, $"gst-launch-1.0 did not finish within {Timeout.TotalSeconds} s: {pipeline}");
                stopped = true;
            }

            string log = $"gst-launch-1.0 {pipeline}\n{await output}{await error}";
            if (stopped)
            {
                return (0, log);
            }

            Assert.False(process.ExitCode == 127, "gst-launch-1.0 is not installed: apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad (scripts/test.sh does)\n" + log);
            return (process.ExitCode, log);
        }
    }
}
