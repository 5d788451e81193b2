using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;

namespace InterCom.Core.Tests;

/// <summary>
/// Headless Chromium (Debian's) as the independent WebRTC peer: its fake microphone plays a WAV file,
/// a page from another origin offers a call to <c>intercom serve</c> (WHIP, a bearer token, CORS);
/// each side hears the other's tone, the browser's own statistics say DTLS-SRTP and ICE carried it,
/// and offers without the token or past the limit are refused without disturbing the call.
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
            const reply = await fetch(__WHIP__, { method: 'POST', headers: { Authorization: 'Bearer ' + __TOKEN__, 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
            if (reply.status !== 201) throw new Error('WHIP answered ' + reply.status + ': ' + await reply.text());
            const location = reply.headers.get('Location');
            await pc.setRemoteDescription({ type: 'answer', sdp: await reply.text() });
            fetch('/connected', { method: 'POST', body: location });
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

    private const string Token = "a-token-of-sixteen-or-more";

    [Fact]
    public async Task A_headless_chromium_calls_intercom_serve_each_side_hears_the_other_and_strangers_and_floods_are_refused()
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

        int servePort = Ports.FreeTcp(), pagePort = Ports.FreeTcp();
        string heardWav = Path.Combine(dir, "heard.wav");
        using var serve = IntercomProcess.Start(["serve", "--http", $"127.0.0.1:{servePort}", "--token", Token, "--input", "tone:440", "--output", heardWav, "--duration", "40"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{servePort}") };
        await WaitForHttpAsync(client, serve);

        // Strangers: no token, a wrong one. Nothing starts.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/whip", new StringContent("v=0"))).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/whip") { Content = new StringContent("v=0") })
        {
            wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
        }

        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{pagePort}/");
        http.Start();
        var connected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task serving = ServeAsync(http, Page.Replace("__WHIP__", $"'http://127.0.0.1:{servePort}/whip'", StringComparison.Ordinal).Replace("__TOKEN__", $"'{Token}'", StringComparison.Ordinal), connected, result);

        using var browser = Process.Start(new ProcessStartInfo(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(dir, "profile")}",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-audio-capture={micWav}",
            "--autoplay-policy=no-user-gesture-required", $"http://127.0.0.1:{pagePort}/",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        browser.OutputDataReceived += (_, _) => { };
        browser.ErrorDataReceived += (_, _) => { };
        browser.BeginOutputReadLine();
        browser.BeginErrorReadLine();
        string report, location;
        var refused = new List<HttpStatusCode>();
        try
        {
            Task done = await Task.WhenAny(connected.Task, result.Task).WaitAsync(TimeSpan.FromSeconds(45));
            Assert.True(done == connected.Task, $"the page reported before it connected: {(result.Task.IsCompleted ? await result.Task : "")}; intercom serve: {serve.StandardError}");
            location = await connected.Task;
            for (int i = 0; i < 8; i++)
            {
                // A flood of offers while the call runs: refused past the limit (one call; five offers a second).
                using var flood = new HttpRequestMessage(HttpMethod.Post, "/whip") { Content = new StringContent("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") };
                flood.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
                refused.Add((await client.SendAsync(flood)).StatusCode);
            }

            report = await result.Task.WaitAsync(TimeSpan.FromSeconds(45));
            using var hangUp = new HttpRequestMessage(HttpMethod.Delete, location);
            hangUp.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            HttpResponseMessage hungUp = await client.SendAsync(hangUp);
            Assert.True(hungUp.StatusCode == HttpStatusCode.OK, $"DELETE {location}: {hungUp.StatusCode} {await hungUp.Content.ReadAsStringAsync()}; {serve.StandardError}");
        }
        finally
        {
            browser.Kill(entireProcessTree: true);
            http.Stop();
        }

        serve.Interrupt();
        Assert.True(await serve.WaitAsync(TimeSpan.FromSeconds(30)) == 0, serve.StandardError);
        output.WriteLine($"the page: {report}; the flood got {string.Join(", ", refused.Select(c => (int)c))}");
        output.WriteLine(serve.StandardError);

        using JsonDocument page = JsonDocument.Parse(report);
        JsonElement r = page.RootElement;
        Assert.False(r.TryGetProperty("error", out JsonElement error), error.ToString());
        Assert.Equal("connected", r.GetProperty("dtlsState").GetString());
        Assert.Equal("SRTP_AES128_CM_HMAC_SHA1_80", r.GetProperty("srtpCipher").GetString()); // RFC 5764's name for it
        Assert.Equal("succeeded", r.GetProperty("pairState").GetString());
        Assert.True(r.GetProperty("packetsReceived").GetInt64() > 100, report);
        Assert.InRange(r.GetProperty("peakHz").GetDouble(), 430, 450); // our 440 Hz, in the browser's analyser, flood or not
        Assert.All(refused, c => Assert.True(c is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"a flooding offer got {c}"));
        Assert.Contains(HttpStatusCode.TooManyRequests, refused);
        Assert.Contains("call 1 ended", serve.StandardError, StringComparison.Ordinal);
        float[] heard = SignalAnalysis.ReadWavMono(heardWav);
        int first = SignalAnalysis.FirstSound(heard, 0.01f);
        Assert.True(first >= 0 && heard.Length - first > 96_000, $"{heard.Length} samples played, the first sound at {first}");
        double level = SignalAnalysis.MedianToneAmplitude(heard.AsSpan(first + 24_000, 48_000), 880);
        Assert.True(level > 0.1, $"the browser's 880 Hz at {level:F3} in what we played (its microphone's file at 0.25)");
        _ = serving;
    }

    /// <summary>Waits for <c>intercom serve</c> to answer HTTP (its start-up: the one wait that retries).</summary>
    private static async Task WaitForHttpAsync(HttpClient client, IntercomProcess serve)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"intercom serve did not answer: {serve.StandardError}");
            await Task.Delay(100);
        }
    }

    /// <summary>The test's own origin: the page, and what it reports (the call's Location, then its results).</summary>
    private static async Task ServeAsync(HttpListener http, string pageHtml, TaskCompletionSource<string> connected, TaskCompletionSource<string> result)
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
                "/connected" => Report(connected, body),
                "/result" => Report(result, body),
                _ => pageHtml,
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
