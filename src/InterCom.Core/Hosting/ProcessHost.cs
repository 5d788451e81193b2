using System.Diagnostics;
using System.Net;
using InterCom.Core.FlowControl;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

/// <summary>
/// One end of a call as two child processes of the application: a sending worker (capture, encode,
/// send) and a receiving worker (receive, decode, play), linked by the shared flow-control counters
/// (<see cref="FlowControlCounters"/>, in a memory-mapped file). Neither half's CPU work or stalls
/// reach the other, and either may crash: the host restarts a worker that dies, at once, and the call
/// goes on. The workers watch their standard input and stop when the host closes it or dies, even by
/// SIGKILL, so no worker outlives its host.
/// </summary>
/// <remarks>
/// The workers are the application's own executable, started again as it was started, with the
/// library as a .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>): the worker runs before the
/// application's <c>Main</c> and exits when done, so an application needs no code of its own for it.
/// Applications that disable startup hooks (trimmed or native AOT builds) cannot use this class.
/// </remarks>
/// <example>
/// <code>
/// await using var host = new ProcessHost(new ProcessHostOptions
/// {
///     Session = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.IPv6Any, 5004), Peers = [IPEndPoint.Parse("192.0.2.10:5004")] },
///     Input = "default",
///     Output = "default",
/// });
/// await host.StartAsync();
/// Console.WriteLine($"sending: pid {host.SenderProcessId}, receiving: pid {host.ReceiverProcessId}");
/// </code>
/// </example>
public sealed class ProcessHost : IAsyncDisposable
{
    private static int s_instances;
    private readonly ILogger _logger;
    private readonly FlowControlCounters _counters;
    private readonly Worker _sender;
    private readonly Worker _receiver;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _startTimestamp;
    private int _started;
    private int _disposed;

    /// <summary>Creates the counters file; no process starts until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The call and the workers' audio.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="PlatformNotSupportedException">This application cannot start workers (startup hooks are disabled, or there is no executable to start again).</exception>
    public ProcessHost(ProcessHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (AppContext.TryGetSwitch("System.StartupHookProvider.IsSupported", out bool hooks) && !hooks)
        {
            throw new PlatformNotSupportedException("This application disables .NET startup hooks (a trimmed or native AOT build), through which ProcessHost starts its workers.");
        }

        Options = options;
        _logger = options.Session.LoggerFactory.CreateLogger<ProcessHost>();
        string name = options.Session.CountersName ?? $"host-{Environment.ProcessId}-{Interlocked.Increment(ref s_instances)}";
        _counters = FlowControlCounters.Create(FlowControlCounters.PathFor(name));
        string[] command = WorkerCommandLine.Get();
        _sender = new Worker(this, WorkerRole.Ces, command, options.Input);
        _receiver = new Worker(this, WorkerRole.Rdp, command, options.Output);
    }

    /// <summary>The options the host was built with.</summary>
    public ProcessHostOptions Options { get; }

    /// <summary>The address the receiving worker listens on.</summary>
    public IPEndPoint LocalEndPoint => Options.Session.ListenEndPoint;

    /// <summary>The file holding the shared counters (for <c>intercom stats</c> or <see cref="FlowControlCounters.Open"/>).</summary>
    public string CountersPath => _counters.Path!;

    /// <summary>The sending worker's process id; 0 while none runs.</summary>
    public int SenderProcessId => _sender.ProcessId;

    /// <summary>The receiving worker's process id; 0 while none runs.</summary>
    public int ReceiverProcessId => _receiver.ProcessId;

    /// <summary>How many times the sending worker was restarted after it died.</summary>
    public int SenderRestarts => _sender.Restarts;

    /// <summary>How many times the receiving worker was restarted after it died.</summary>
    public int ReceiverRestarts => _receiver.Restarts;

    /// <summary>How many of the sending worker's restarts followed a hang (no heartbeat for <see cref="ProcessHostOptions.HeartbeatTimeout"/>).</summary>
    public int SenderHangs => _sender.Hangs;

    /// <summary>How many of the receiving worker's restarts followed a hang.</summary>
    public int ReceiverHangs => _receiver.Hangs;

    /// <summary>Times the workers' audio devices stopped by themselves, both workers summed.</summary>
    public long DeviceLosses => Liveness(WorkerRole.Ces).DeviceLosses + Liveness(WorkerRole.Rdp).DeviceLosses;

    /// <summary>Times the workers' audio devices were opened again after a loss, both workers summed.</summary>
    public long DeviceReopenings => Liveness(WorkerRole.Ces).DeviceReopenings + Liveness(WorkerRole.Rdp).DeviceReopenings;

    /// <summary>
    /// Whether a standby worker of each kind has started and waits to take over
    /// (<see cref="ProcessHostOptions.StandbyWorkers"/>); a restart until then starts a fresh process.
    /// </summary>
    public bool IsStandbyReady => _sender.HasStandby && _receiver.HasStandby;

    /// <summary>How long the call has run; zero before <see cref="StartAsync"/>.</summary>
    public TimeSpan Duration => _startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>
    /// Completes when the host is disposed; faults when a worker kept dying before it ran
    /// (<see cref="ProcessHostOptions.MaxFailedRestarts"/> times in a row) and the host gave up on the call.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts both workers and waits until each reports that it runs.</summary>
    /// <exception cref="InvalidOperationException">A worker failed to start (its message says why: a device, a busy port, ...).</exception>
    /// <exception cref="TimeoutException">A worker did not report within <see cref="ProcessHostOptions.StartTimeout"/>.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("Already started.");
        }

        _startTimestamp = Stopwatch.GetTimestamp();
        // The receiver first: its port is bound before anything is sent to us from our own sender's peers.
        await _receiver.LaunchAsync(restarted: false, cancellationToken).ConfigureAwait(false);
        await _sender.LaunchAsync(restarted: false, cancellationToken).ConfigureAwait(false);
        _receiver.Supervise();
        _sender.Supervise();
        _metrics = Diagnostics.CallMetrics.Register(LocalEndPoint.ToString(), GetFlowControl);
        ProcessHostLog.Started(_logger, LocalEndPoint, _sender.ProcessId, _receiver.ProcessId);
    }

    /// <summary>A consistent snapshot of the counters both workers publish (once a second each).</summary>
    public FlowControlSnapshot GetFlowControl()
    {
        lock (_counters)
        {
            return _finalFlowControl ?? _counters.Snapshot();
        }
    }

    private FlowControlSnapshot? _finalFlowControl;
    private IDisposable? _metrics;
    private readonly (long Heartbeat, long DeviceLosses, long DeviceReopenings)[] _finalLiveness = new (long, long, long)[2];

    private (long Heartbeat, long DeviceLosses, long DeviceReopenings) Liveness(WorkerRole role)
    {
        lock (_counters)
        {
            return _finalFlowControl is null ? _counters.ReadLiveness(role) : _finalLiveness[(int)role];
        }
    }

    /// <summary>Stops both workers (the sender first: it says BYE), waits for them, and removes the counters file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _metrics?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_sender.StopAsync(), _receiver.StopAsync()).ConfigureAwait(false); // each bounded: a stop never hangs
        lock (_counters)
        {
            _finalLiveness[(int)WorkerRole.Ces] = _counters.ReadLiveness(WorkerRole.Ces);
            _finalLiveness[(int)WorkerRole.Rdp] = _counters.ReadLiveness(WorkerRole.Rdp);
            _finalFlowControl = _counters.Snapshot();
            _counters.Dispose();
            File.Delete(_counters.Path!);
        }

        _completion.TrySetResult();
        _stopping.Dispose();
        ProcessHostLog.Stopped(_logger);
    }

    private WorkerConfig ConfigFor(WorkerRole role, string audio, bool restarted, bool standby)
    {
        VoiceSessionOptions s = Options.Session;
        return new WorkerConfig
        {
            Role = role,
            CountersPath = CountersPath,
            Listen = s.ListenEndPoint.ToString(),
            Peers = [.. s.Peers.Select(p => p.ToString())],
            SampleRate = s.Format.SampleRate,
            Channels = s.Format.Channels,
            Codec = s.Codec,
            JitterBuffer = s.JitterBuffer,
            RateControl = s.RateControl,
            PeerTimeout = s.PeerTimeout,
            Audio = audio,
            JackClientName = Options.JackClientName is { } stem ? $"{stem}-{role.ToString().ToLowerInvariant()}" : null,
            PlaybackQueuePeriods = Options.PlaybackQueuePeriods,
            FramesOfCapturePeriod = Options.FramesOfCapturePeriod,
            OnDeviceLoss = Options.OnDeviceLoss,
            Restarted = restarted,
            Standby = standby,
            KeyOnInput = s.Key is not null,
            MinimumLogLevel = (int)MinimumLevel(),
        };
    }

    /// <summary>What the host's logger takes, but at least warnings: they are also the reason a worker gives for failing.</summary>
    private LogLevel MinimumLevel()
    {
        for (LogLevel level = LogLevel.Trace; level < LogLevel.Warning; level++)
        {
            if (_logger.IsEnabled(level))
            {
                return level;
            }
        }

        return LogLevel.Warning;
    }

    /// <summary>
    /// One worker and its supervision: launched, watched, and replaced when it dies, by the standby
    /// worker when one is ready (it has started the runtime and compiled the codec already), else by a
    /// fresh process.
    /// </summary>
    private sealed class Worker(ProcessHost host, WorkerRole role, string[] command, string audio)
    {
        /// <summary>How long a worker told to stop may take before it is killed: 1.5 s (a stop never hangs; a clean one takes ~0.1 s).</summary>
        private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(1500);

        private readonly string _name = role == WorkerRole.Ces ? "sending" : "receiving";
        private Process? _process;
        private Task<Process?> _standby = Task.FromResult<Process?>(null);
        private Task _supervision = Task.CompletedTask;
        private string? _lastError;
        private int _processId;
        private int _restarts;
        private int _hangs;
        private long _runningSince;   // TickCount64 when the running worker reported ready: its beats count from then

        public int ProcessId => Volatile.Read(ref _processId);

        public int Restarts => Volatile.Read(ref _restarts);

        public int Hangs => Volatile.Read(ref _hangs);

        public bool HasStandby => _standby is { IsCompletedSuccessfully: true, Result: { HasExited: false } };

        /// <summary>Starts a worker that runs the half at once, and returns when it does.</summary>
        public async Task LaunchAsync(bool restarted, CancellationToken cancellationToken)
        {
            Process process = Start(standby: false, restarted);
            await AwaitLineAsync(process, WorkerProcess.ReadyLine, cancellationToken).ConfigureAwait(false);
            Run(process);
        }

        /// <summary>Watches the worker from now on, with a standby worker beside it if the options ask for one.</summary>
        public void Supervise()
        {
            StartStandby();
            _supervision = SuperviseAsync(host._stopping.Token);
        }

        public async Task StopAsync()
        {
            await _supervision.ConfigureAwait(false);
            Process? standby = await _standby.ConfigureAwait(false);
            if (standby is not null)
            {
                await StopProcessAsync(standby).ConfigureAwait(false);
            }

            if (_process is { } process)
            {
                await StopProcessAsync(process).ConfigureAwait(false);
                _process = null;
                Volatile.Write(ref _processId, 0);
            }
        }

        private void Run(Process process)
        {
            _ = DrainAsync(process.StandardOutput); // a worker never blocks on a full pipe
            Volatile.Write(ref _runningSince, Environment.TickCount64);
            _process = process;
            Volatile.Write(ref _processId, process.Id);
        }

        private void StartStandby()
        {
            if (host.Options.StandbyWorkers && !host._stopping.IsCancellationRequested)
            {
                _standby = StartStandbyAsync(host._stopping.Token);
            }
        }

        private async Task<Process?> StartStandbyAsync(CancellationToken stopping)
        {
            Process process;
            try
            {
                process = Start(standby: true, restarted: true);
                await AwaitLineAsync(process, WorkerProcess.StandbyLine, stopping).ConfigureAwait(false);
                return process;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                return null; // a restart then starts a fresh process
            }
        }

        private async Task SuperviseAsync(CancellationToken stopping)
        {
            int failures = 0;
            while (!stopping.IsCancellationRequested)
            {
                Process process = _process!;
                try
                {
                    if (await WaitForExitOrHangAsync(process, stopping).ConfigureAwait(false) is { } silence)
                    {
                        Interlocked.Increment(ref _hangs);
                        ProcessHostLog.WorkerHung(host._logger, _name, process.Id, silence.TotalSeconds);
                        Kill(process); // SIGKILL works on a stopped process too: nothing is left behind
                        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        ProcessHostLog.WorkerDied(host._logger, _name, process.Id, process.ExitCode);
                    }
                }
                catch (OperationCanceledException)
                {
                    return; // the host stops the worker itself
                }

                Volatile.Write(ref _processId, 0);
                process.Dispose();
                _process = null;
                while (true)
                {
                    try
                    {
                        await ReplaceAsync(stopping).ConfigureAwait(false);
                        Interlocked.Increment(ref _restarts);
                        ProcessHostLog.WorkerRestarted(host._logger, _name, ProcessId);
                        failures = 0;
                        break;
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                    {
                        if (++failures > host.Options.MaxFailedRestarts)
                        {
                            ProcessHostLog.GaveUp(host._logger, _name, failures, e.Message);
                            host._completion.TrySetException(new InvalidOperationException($"The {_name} worker failed {failures} times in a row; last: {e.Message}", e));
                            return;
                        }

                        try
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), stopping).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Waits until the worker exits (null) or goes without a heartbeat for the options' timeout (how
        /// long it has been silent): a stopped or deadlocked process never exits by itself.
        /// </summary>
        private async Task<TimeSpan?> WaitForExitOrHangAsync(Process process, CancellationToken stopping)
        {
            Task exited = process.WaitForExitAsync(stopping);
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            long limit = (long)host.Options.HeartbeatTimeout.TotalMilliseconds;
            while (true)
            {
                Task tick = timer.WaitForNextTickAsync(stopping).AsTask();
                if (await Task.WhenAny(exited, tick).ConfigureAwait(false) == exited)
                {
                    await exited.ConfigureAwait(false); // throws when the host is stopping
                    return null;
                }

                await tick.ConfigureAwait(false);
                // Judged from the worker's first beat on (a capture device may start a second or two
                // late); until then only a worker silent for the whole start timeout counts as hung.
                long since = Volatile.Read(ref _runningSince);
                long beat = host._counters.ReadLiveness(role).Heartbeat;
                bool beating = beat >= since;
                long silent = Environment.TickCount64 - (beating ? beat : since);
                if (silent > (beating ? limit : (long)host.Options.StartTimeout.TotalMilliseconds) && !process.HasExited)
                {
                    return TimeSpan.FromMilliseconds(silent);
                }
            }
        }

        /// <summary>The standby worker takes over if it is ready and alive; otherwise a fresh one starts. Then a new standby starts.</summary>
        private async Task ReplaceAsync(CancellationToken stopping)
        {
            Process? standby = _standby.IsCompletedSuccessfully ? _standby.Result : null;
            _standby = Task.FromResult<Process?>(null);
            try
            {
                if (standby is not null && !standby.HasExited)
                {
                    try
                    {
                        await standby.StandardInput.WriteLineAsync(WorkerProcess.GoLine.AsMemory(), stopping).ConfigureAwait(false);
                        await standby.StandardInput.FlushAsync(stopping).ConfigureAwait(false);
                        await AwaitLineAsync(standby, WorkerProcess.ReadyLine, stopping).ConfigureAwait(false);
                        Run(standby);
                        return;
                    }
                    catch (IOException)
                    {
                        Kill(standby);
                        standby.Dispose();
                    }
                }
                else
                {
                    standby?.Dispose();
                }

                await LaunchAsync(restarted: true, stopping).ConfigureAwait(false);
            }
            finally
            {
                StartStandby();
            }
        }

        private Process Start(bool standby, bool restarted)
        {
            var start = new ProcessStartInfo(command[0])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in command.AsSpan(1))
            {
                start.ArgumentList.Add(argument);
            }

            string hook = typeof(ProcessHost).Assembly.Location;
            string? hooks = Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS");
            start.Environment["DOTNET_STARTUP_HOOKS"] = string.IsNullOrEmpty(hooks) ? hook : $"{hooks}{Path.PathSeparator}{hook}";
            start.Environment[WorkerConfig.EnvironmentVariable] = host.ConfigFor(role, audio, restarted, standby).ToJson();

            var process = new Process { StartInfo = start };
            process.ErrorDataReceived += (_, e) => OnErrorLine(e.Data);
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                process.Dispose();
                throw new InvalidOperationException($"Cannot start the {_name} worker ({command[0]}): {e.Message}", e);
            }

            process.BeginErrorReadLine();
            if (host.Options.Session.Key is { } key)
            {
                try
                {
                    process.StandardInput.WriteLine($"{WorkerProcess.KeyPrefix}{key.ToBase64()}");
                    process.StandardInput.Flush();
                }
                catch (IOException)
                {
                    // It died at once; reading its output says why.
                }
            }

            return process;
        }

        /// <summary>Reads the worker's output until <paramref name="expected"/>; kills and disposes it if that does not come.</summary>
        private async Task AwaitLineAsync(Process process, string expected, CancellationToken cancellationToken)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(host.Options.StartTimeout);
                string? line;
                do
                {
                    line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                }
                while (line is not null && line != expected);

                if (line is null)
                {
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    process.WaitForExit(); // it has exited: this only waits for its last error lines to be read
                    throw new InvalidOperationException(
                        $"The {_name} worker exited with code {process.ExitCode} before it ran: {_lastError ?? "no message"}");
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                process.Dispose();
                throw new TimeoutException($"The {_name} worker did not start within {host.Options.StartTimeout.TotalSeconds} s.");
            }
            catch
            {
                Kill(process);
                process.Dispose();
                throw;
            }
        }

        private async Task StopProcessAsync(Process process)
        {
            try
            {
                process.StandardInput.Close(); // the worker's signal to stop cleanly
            }
            catch (IOException)
            {
                // It is gone already.
            }

            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ProcessHostLog.WorkerKilled(host._logger, _name, process.Id, StopGrace.TotalSeconds);
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            process.Dispose();
        }

        private void OnErrorLine(string? line)
        {
            if (string.IsNullOrEmpty(line))
            {
                return;
            }

            (LogLevel level, string category, string message) = WorkerLog.Parse(line);
            if (level >= LogLevel.Warning)
            {
                _lastError = message;
            }

            ProcessHostLog.WorkerLogged(host._logger, level, _name, category, message);
        }

        private static async Task DrainAsync(StreamReader output)
        {
            try
            {
                while (await output.ReadLineAsync().ConfigureAwait(false) is not null)
                {
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The worker ended.
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
    }
}
