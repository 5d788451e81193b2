using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;

namespace InterCom.Core.Tests;

/// <summary>
/// Headless Chromium (Debian's) as the independent WebRTC peer: its fake microphone plays a WAV file,
/// its page offers a call over HTTP, our <see cref="VoiceSession"/> answers; each side hears the
/// other's tone, and the browser's own statistics say DTLS-SRTP and ICE carried it.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class BrowserCallTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Page = """
        <!doctype html><html><body><audio id="a" autoplay></audio><script>
        (async () => {
          const report = o => fetch('/result', { method: 'POST', body: JSON.stringify(o) });
          try {
            const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
            const pc = new RTCPeerConnection();
            mic.getTracks().forEach(t => pc.addTrack(t, mic));
            const heard = new Promise(r => pc.ontrack = e => r(e.streams[0] || new MediaStream([e.track])));
            await pc.setLocalDescription(await pc.createOffer());
            await new Promise(r => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
            const answer = await (await fetch('/offer', { method: 'POST', body: pc.localDescription.sdp })).text();
            await pc.setRemoteDescription({ type: 'answer', sdp: answer });
            const remote = await heard;
            document.getElementById('a').srcObject = remote;
            const ctx = new AudioContext();
            const analyser = ctx.createAnalyser();
            analyser.fftSize = 16384;
            ctx.createMediaStreamSource(remote).connect(analyser);
            await new Promise(r => setTimeout(r, 4000));
            const bins = new Float32Array(analyser.frequencyBinCount);
            analyser.getFloatFrequencyData(bins);
            let best = 1;
            for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
            const result = { peakHz: best * ctx.sampleRate / analyser.fftSize, peakDb: bins[best] };
            (await pc.getStats()).forEach(s => {
              if (s.type === 'transport') Object.assign(result, { dtlsState: s.dtlsState, srtpCipher: s.srtpCipher, tlsVersion: s.tlsVersion });
              if (s.type === 'inbound-rtp' && s.kind === 'audio') result.packetsReceived = s.packetsReceived;
              if (s.type === 'candidate-pair' && s.nominated) result.pairState = s.state;
            });
            report(result);
          } catch (e) { report({ error: String(e) }); }
        })();
        </script></body></html>
        """;

    [Fact]
    public async Task A_headless_chromium_calls_us_and_each_side_hears_the_others_tone_over_dtls_srtp()
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), "Debian's chromium is not installed: apt-get install chromium (scripts/test.sh does)");
        string dir = Directory.CreateTempSubdirectory("intercom-browser-").FullName;
        string micWav = Path.Combine(dir, "mic.wav");
        using (var mic = new WavFileSink(micWav, AudioFormat.Mono48k))
        {
            var tone = new float[48_000 * 20];
            _ = new ToneSource(880, AudioFormat.Mono48k).Read(tone, CancellationToken.None);
            mic.Write(tone, CancellationToken.None);
        }

        await using var session = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), WebRtc = true });
        session.Start(new ToneSource(440, AudioFormat.Mono48k), new WavFileSink(Path.Combine(dir, "heard.wav"), AudioFormat.Mono48k));

        int port = Ports.FreeTcp();
        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{port}/");
        http.Start();
        var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task serving = ServeAsync(http, session, result);

        using var browser = Process.Start(new ProcessStartInfo(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(dir, "profile")}",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-audio-capture={micWav}",
            "--autoplay-policy=no-user-gesture-required", $"http://127.0.0.1:{port}/",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        browser.OutputDataReceived += (_, _) => { };
        browser.ErrorDataReceived += (_, _) => { };
        browser.BeginOutputReadLine();
        browser.BeginErrorReadLine();
        string report;
        try
        {
            report = await result.Task.WaitAsync(TimeSpan.FromSeconds(45));
            await session.Connection.WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            browser.Kill(entireProcessTree: true);
            http.Stop();
        }

        output.WriteLine($"the page: {report}");
        Diagnostics.SessionStatistics stats = session.GetStatistics();
        output.WriteLine(stats.ToString());
        await session.DisposeAsync();

        using JsonDocument page = JsonDocument.Parse(report);
        JsonElement r = page.RootElement;
        Assert.False(r.TryGetProperty("error", out JsonElement error), error.ToString());
        Assert.Equal("connected", r.GetProperty("dtlsState").GetString());
        Assert.Equal("SRTP_AES128_CM_HMAC_SHA1_80", r.GetProperty("srtpCipher").GetString()); // RFC 5764's name for it
        Assert.Equal("succeeded", r.GetProperty("pairState").GetString());
        Assert.True(r.GetProperty("packetsReceived").GetInt64() > 100, report);
        Assert.InRange(r.GetProperty("peakHz").GetDouble(), 430, 450); // our 440 Hz, in the browser's analyser
        Assert.True(stats.Encrypted);
        float[] heard = SignalAnalysis.ReadWavMono(Path.Combine(dir, "heard.wav"));
        int first = SignalAnalysis.FirstSound(heard, 0.01f);
        Assert.True(first >= 0 && heard.Length - first > 96_000, $"{heard.Length} samples played, the first sound at {first}");
        double level = SignalAnalysis.MedianToneAmplitude(heard.AsSpan(first + 24_000, 48_000), 880);
        Assert.True(level > 0.1, $"the browser's 880 Hz at {level:F3} in what we played (its microphone's file at 0.25)");
        _ = serving;
    }

    /// <summary>The page, the offer (answered by <paramref name="session"/>), and the page's report.</summary>
    private static async Task ServeAsync(HttpListener http, VoiceSession session, TaskCompletionSource<string> result)
    {
        while (http.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await http.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
            string reply = context.Request.Url!.AbsolutePath switch
            {
                "/offer" => session.AnswerOffer(body),
                "/result" => Report(result, body),
                _ => Page,
            };
            context.Response.ContentType = context.Request.Url.AbsolutePath == "/" ? "text/html" : "text/plain";
            byte[] bytes = Encoding.UTF8.GetBytes(reply);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static string Report(TaskCompletionSource<string> result, string body)
    {
        result.TrySetResult(body);
        return "ok";
    }
}
