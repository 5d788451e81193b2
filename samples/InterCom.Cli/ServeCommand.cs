using System.Net;
using System.Text;
using InterCom.Core.Audio;
using InterCom.Core.Devices;
using InterCom.Core.Hosting;

namespace InterCom.Cli;

/// <summary>
/// <c>intercom serve</c>: answers WebRTC calls in the WHIP style (RFC 9725) on <c>POST /whip</c>, each one a
/// <see cref="VoiceSession"/> with the audio given; <c>DELETE</c> of the <c>Location</c> hangs up; a page at <c>/</c>
/// lets a person join from a browser. Who may call: a bearer token, or loopback only.
/// </summary>
internal static class ServeCommand
{
    private const int OffersPerSecond = 5;

    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "serve",
        """
        Answers WebRTC calls over HTTP, WHIP style: POST an SDP offer to /whip (Authorization: Bearer
        TOKEN) and get 201 Created with the answer and a Location; DELETE that Location to hang up.
        A page at / joins from a browser (its microphone to the call, the call to the page). Without
        --token it answers on a loopback address only, unless --allow-anyone. Runs until Ctrl+C or
        --duration. Exit codes: 0 success, 1 runtime failure, 2 bad usage.
        """,
        [
            CliOption.Value("http", "[ADDR:]PORT", "where to answer HTTP (default address 127.0.0.1)"),
            CliOption.Value("token", "TOKEN", "the bearer token a caller must give"),
            CliOption.Value("token-file", "PATH", "the same, read from a file (keeps it out of 'ps')"),
            CliOption.Flag("allow-anyone", "answer without a token on a non-loopback address (anyone who reaches it gets the microphone)"),
            CliOption.Value("max-calls", "N", "calls at once, 1-16 (default 1); more offers get 503"),
            CliOption.Value("input", "SPEC", "default | DEVICE | tone:HZ | FILE.wav (default: default)"),
            CliOption.Value("output", "SPEC", "default | DEVICE | FILE.wav (default: default)"),
            CliOption.Value("duration", "SECONDS", "stop after this long (default: until Ctrl+C)"),
            CliOption.Flag("quiet", "no line per call"),
        ]);

    public static async Task<int> RunAsync(Arguments args, TextWriter error, CancellationToken cancellationToken)
    {
        string http = args.Required("http");
        IPEndPoint endPoint = http.Contains(':', StringComparison.Ordinal) ? EndPoints.ParseListen(http, "http") : new IPEndPoint(IPAddress.Loopback, EndPoints.ParseListen(http, "http").Port);
        string? token = args.Single("token") ?? (args.Single("token-file") is { } file ? (await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)).Trim() : null);
        if (token is { Length: < 16 })
        {
            throw new UsageException("--token must be at least 16 characters: it is all that keeps strangers off the microphone.");
        }

        if (token is null && !IPAddress.IsLoopback(endPoint.Address) && !args.Has("allow-anyone"))
        {
            throw new UsageException($"--http {http} answers beyond this machine: give --token (or --token-file), or --allow-anyone to let anyone who reaches it call.");
        }

        int maxCalls = args.Integer("max-calls", 1, 16) ?? 1;
        string input = args.Single("input") ?? "default", output = args.Single("output") ?? "default";
        AudioEndpoints.Validate(input, output);
        double? duration = args.Number("duration", 0.1, 1e7);
        bool quiet = args.Has("quiet");

        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://{(endPoint.Address.Equals(IPAddress.Any) ? "+" : endPoint.Address.ToString())}:{endPoint.Port}/");
        listener.Start();
        await error.WriteLineAsync($"intercom serve: WebRTC calls on http://{endPoint}/whip{(token is null ? " (no token: loopback only)" : "")}; the page at http://{endPoint}/. Ctrl+C to stop.").ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } d)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(d));
        }

        var server = new Server(token, maxCalls, input, output, quiet ? TextWriter.Null : error);
        await using (server.ConfigureAwait(false))
        {
            using CancellationTokenRegistration stopping = stop.Token.Register(listener.Stop);
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    break; // stopped
                }

                await server.HandleAsync(context).ConfigureAwait(false);
            }
        }

        return 0;
    }

    /// <summary>The calls and what HTTP does to them.</summary>
    private sealed class Server(string? token, int maxCalls, string input, string output, TextWriter log) : IAsyncDisposable
    {
        private readonly Dictionary<string, (VoiceSession Session, AudioEndpoints Audio)> _calls = [];
        private readonly Queue<long> _offers = new();
        private int _next;

        public async Task HandleAsync(HttpListenerContext context)
        {
            HttpListenerResponse response = context.Response;
            response.AddHeader("Access-Control-Allow-Origin", "*"); // a page from another origin may call (RFC 9725 section 4.2)
            response.AddHeader("Access-Control-Expose-Headers", "Location");
            try
            {
                string path = context.Request.Url!.AbsolutePath;
                (int status, string body, string type) = (context.Request.HttpMethod, path) switch
                {
                    ("OPTIONS", _) => Preflight(response),
                    ("GET", "/") => (200, PageHtml, "text/html; charset=utf-8"),
                    ("POST", "/whip") => await OfferAsync(context.Request, response).ConfigureAwait(false),
                    ("DELETE", _) when path.StartsWith("/whip/", StringComparison.Ordinal) => await HangUpAsync(context.Request, path["/whip/".Length..]).ConfigureAwait(false),
                    _ => (404, "Not found.", "text/plain"),
                };
                response.StatusCode = status;
                response.ContentType = type;
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The caller went away mid-answer: nothing to tell it.
            }
            finally
            {
                response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach ((VoiceSession session, AudioEndpoints audio) in _calls.Values)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                audio.Dispose();
            }

            _calls.Clear();
        }

        private static (int, string, string) Preflight(HttpListenerResponse response)
        {
            response.AddHeader("Access-Control-Allow-Methods", "POST, DELETE, OPTIONS");
            response.AddHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
            return (204, "", "text/plain");
        }

        private bool Authorized(HttpListenerRequest request)
            => token is null || string.Equals(request.Headers["Authorization"], $"Bearer {token}", StringComparison.Ordinal);

        private async Task<(int, string, string)> OfferAsync(HttpListenerRequest request, HttpListenerResponse response)
        {
            if (!Authorized(request))
            {
                response.AddHeader("WWW-Authenticate", "Bearer");
                return (401, "A bearer token is required (Authorization: Bearer TOKEN).", "text/plain");
            }

            long now = Environment.TickCount64;
            while (_offers.Count > 0 && now - _offers.Peek() > 1000)
            {
                _ = _offers.Dequeue();
            }

            if (_offers.Count >= OffersPerSecond)
            {
                return (429, $"More than {OffersPerSecond} offers a second: try again later.", "text/plain");
            }

            _offers.Enqueue(now);
            await EndFailedCallsAsync().ConfigureAwait(false);
            if (_calls.Count >= maxCalls)
            {
                return (503, $"{_calls.Count} call(s) already: the most this end takes at once (--max-calls).", "text/plain");
            }

            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            string offer = await reader.ReadToEndAsync().ConfigureAwait(false);
            AudioEndpoints audio = AudioEndpoints.Open(input, output, AudioFormat.Mono48k);
            var session = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(((IPEndPoint)request.LocalEndPoint).Address, 0), WebRtc = true });
            string answer;
            try
            {
                answer = session.AnswerOffer(offer);
                session.Start(audio.Source, audio.Sink);
            }
            catch (FormatException e)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                audio.Dispose();
                return (400, $"The offer cannot be answered: {e.Message}", "text/plain");
            }

            string id = (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _calls[id] = (session, audio);
            response.AddHeader("Location", $"/whip/{id}");
            await log.WriteLineAsync($"intercom serve: call {id} from {request.RemoteEndPoint}").ConfigureAwait(false);
            return (201, answer, "application/sdp");
        }

        private async Task<(int, string, string)> HangUpAsync(HttpListenerRequest request, string id)
        {
            if (!Authorized(request))
            {
                return (401, "A bearer token is required (Authorization: Bearer TOKEN).", "text/plain");
            }

            if (!_calls.Remove(id, out (VoiceSession Session, AudioEndpoints Audio) call))
            {
                return (404, "No such call.", "text/plain");
            }

            await log.WriteLineAsync($"intercom serve: call {id} ended: {call.Session.GetStatistics()}").ConfigureAwait(false);
            await call.Session.DisposeAsync().ConfigureAwait(false);
            call.Audio.Dispose();
            return (200, "Hung up.", "text/plain");
        }

        /// <summary>Calls whose connection failed (no path, a wrong certificate) make room for new ones.</summary>
        private async Task EndFailedCallsAsync()
        {
            foreach (string id in _calls.Where(c => c.Value.Session.Connection.IsFaulted).Select(c => c.Key).ToArray())
            {
                (VoiceSession session, AudioEndpoints audio) = _calls[id];
                _ = _calls.Remove(id);
                await log.WriteLineAsync($"intercom serve: call {id} failed: {session.Connection.Exception?.InnerException?.Message}").ConfigureAwait(false);
                await session.DisposeAsync().ConfigureAwait(false);
                audio.Dispose();
            }
        }
    }

    /// <summary>The page a person joins from: the microphone to the call, the call to an audio element.</summary>
    private const string PageHtml = """
        <!doctype html><html><head><meta charset="utf-8"><title>intercom</title></head><body>
        <p>Token: <input id="token" type="password"> <button id="call">Call</button> <button id="hang" disabled>Hang up</button></p>
        <p id="state">Not connected.</p><audio id="remote" autoplay></audio>
        <script>
        const token = new URLSearchParams(location.search).get('token');
        if (token) document.getElementById('token').value = token;
        let pc, where;
        document.getElementById('call').onclick = async () => {
          const state = document.getElementById('state');
          const auth = { Authorization: 'Bearer ' + document.getElementById('token').value };
          const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
          pc = new RTCPeerConnection();
          mic.getTracks().forEach(t => pc.addTrack(t, mic));
          pc.ontrack = e => document.getElementById('remote').srcObject = e.streams[0] || new MediaStream([e.track]);
          pc.onconnectionstatechange = () => state.textContent = 'Connection: ' + pc.connectionState;
          await pc.setLocalDescription(await pc.createOffer());
          await new Promise(r => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
          const reply = await fetch('/whip', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          if (reply.status !== 201) { state.textContent = reply.status + ': ' + await reply.text(); return; }
          where = reply.headers.get('Location');
          await pc.setRemoteDescription({ type: 'answer', sdp: await reply.text() });
          document.getElementById('hang').disabled = false;
        };
        document.getElementById('hang').onclick = async () => {
          await fetch(where, { method: 'DELETE', headers: { Authorization: 'Bearer ' + document.getElementById('token').value } });
          pc.close();
          document.getElementById('state').textContent = 'Hung up.';
        };
        </script></body></html>
        """;
}
