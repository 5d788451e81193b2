using System.Diagnostics;
using InterCom.Core.Audio;
using InterCom.Core.Interop;
using InterCom.Core.Pipelines;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Devices;

/// <summary>
/// A call's device stream, kept alive across device loss: a watchdog notices when the PortAudio stream
/// stops by itself (PortAudio says it is no longer active, as it does when the JACK server exits, or
/// its callbacks stop coming), closes it without waiting long, and reopens the same device words with
/// backoff until they open again. Meanwhile <see cref="Capture"/> gives silence at the real-time rate
/// and <see cref="Playback"/> keeps draining the call's mix at the device's rate, so the network side
/// of the call runs on as if nothing happened. The two facades stay the same objects throughout.
/// </summary>
internal sealed class SupervisedDeviceStream : IDisposable
{
    private static readonly TimeSpan s_watchInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_stallLimit = TimeSpan.FromMilliseconds(500);   // callbacks that stopped coming; under a worker's 1 s heartbeat
    private static readonly TimeSpan s_firstCallbackLimit = TimeSpan.FromSeconds(5);  // an idle PulseAudio sink starts 1.8 s late
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(1);            // a device back is heard within about a second

    private readonly string? _input;
    private readonly string? _output;
    private readonly PortAudioStreamOptions _settings;
    private readonly DeviceLossPolicy _policy;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();                  // renderer hand-over between the device and the stand-in
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _watchdog;
    private PortAudioStream? _current;
    private IAudioRenderer? _renderer;
    private Thread? _standIn;
    private volatile bool _standInStop;
    private int _state = (int)AudioDeviceState.Running;
    private int _losses;
    private int _reopenings;
    private int _disposed;

    /// <summary>Opens and starts the stream; a failure here throws as <see cref="PortAudioStream.Open(PortAudioStreamOptions)"/> does.</summary>
    public SupervisedDeviceStream(string? input, string? output, PortAudioStreamOptions settings, DeviceLossPolicy policy, ILogger logger)
    {
        _input = input;
        _output = output;
        _settings = settings;
        _policy = policy;
        _logger = logger;
        _current = OpenStream();
        Description = PortAudioStream.DevicesOf(_current.Options);
        Capture = input is null ? null : new SupervisedCapture(this);
        Playback = output is null ? null : new SupervisedPlayback(this);
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "InterCom device watchdog" };
        _watchdog.Start();
    }

    /// <summary>The devices in words, as first opened.</summary>
    public string Description { get; }

    public IAudioSource? Capture { get; }

    public IRenderedSink? Playback { get; }

    public AudioFormat Format => _settings.Format;

    public AudioDeviceState State => (AudioDeviceState)Volatile.Read(ref _state);

    /// <summary>Times the device was lost.</summary>
    public int Losses => Volatile.Read(ref _losses);

    /// <summary>Times it was opened again after a loss.</summary>
    public int Reopenings => Volatile.Read(ref _reopenings);

    /// <summary>Why the device was last lost, or <see langword="null"/>.</summary>
    public string? LastLossReason { get; private set; }

    /// <summary>The stream now open, or <see langword="null"/> while the device is lost.</summary>
    public PortAudioStream? Current => Volatile.Read(ref _current);

    /// <summary>Raised on the watchdog's thread whenever <see cref="State"/> changes.</summary>
    public event EventHandler<AudioDeviceState>? StateChanged;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Set();
        _ = _watchdog.Join(PortAudioStream.CloseTimeout * 2); // an open under way on a stuck server is left behind
        lock (_gate)
        {
            _renderer = null;
            StopStandIn();
            Interlocked.Exchange(ref _current, null)?.Dispose();
        }

        SetState(AudioDeviceState.Closed);
    }

    private PortAudioStream OpenStream()
    {
        // One initialization for the listing and the open: a device is looked up in a fresh scan.
        PortAudioLibrary library = PortAudioHost.Acquire();
        try
        {
            AudioDevice? inputDevice = _input is null ? null : PortAudioHost.FindDevice(_input, AudioDirection.Input);
            AudioDevice? outputDevice = _output is null ? null : PortAudioHost.FindDevice(_output, AudioDirection.Output);
            PortAudioStream stream = PortAudioStream.Open(_settings with { InputDevice = inputDevice, OutputDevice = outputDevice });
            try
            {
                stream.Start();
                return stream;
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
        finally
        {
            PortAudioHost.Release(library);
        }
    }

    private void Watch()
    {
        long lastCallbacks = -1;
        long lastProgress = Stopwatch.GetTimestamp();
        long lostAt = 0;
        TimeSpan retry = s_firstRetry;
        long nextAttempt = 0;
        while (!_stop.Wait(s_watchInterval))
        {
            if (State == AudioDeviceState.Running && Current is { } stream)
            {
                long callbacks = stream.Callbacks;
                if (callbacks != lastCallbacks)
                {
                    lastCallbacks = callbacks;
                    lastProgress = Stopwatch.GetTimestamp();
                }

                TimeSpan quiet = Stopwatch.GetElapsedTime(lastProgress);
                string? reason = !stream.IsActive ? "PortAudio stopped the stream (the device or its audio server went away)"
                    : quiet > (callbacks == 0 ? s_firstCallbackLimit : s_stallLimit) ? $"no audio callback for {quiet.TotalSeconds:F1} s"
                    : null;
                if (reason is null)
                {
                    continue;
                }

                OnLost(stream, reason);
                lostAt = Stopwatch.GetTimestamp();
                retry = s_firstRetry;
                nextAttempt = lostAt + (long)(retry.TotalSeconds * Stopwatch.Frequency);
                lastCallbacks = -1;
            }
            else if (State == AudioDeviceState.Lost && Stopwatch.GetTimestamp() >= nextAttempt)
            {
                if (TryReopen(out string? failure))
                {
                    DevicesLog.Reopened(_logger, Description, Stopwatch.GetElapsedTime(lostAt).TotalSeconds);
                    lastProgress = Stopwatch.GetTimestamp();
                }
                else
                {
                    DevicesLog.StillLost(_logger, Description, failure!);
                    retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_maxRetry.Ticks));
                    nextAttempt = Stopwatch.GetTimestamp() + (long)(retry.TotalSeconds * Stopwatch.Frequency);
                }
            }
        }
    }

    private void OnLost(PortAudioStream stream, string reason)
    {
        LastLossReason = reason;
        Interlocked.Increment(ref _losses);
        if (_policy == DeviceLossPolicy.Fail)
        {
            DevicesLog.Failed(_logger, Description, reason);
        }
        else
        {
            DevicesLog.Lost(_logger, Description, reason);
        }

        lock (_gate)
        {
            Volatile.Write(ref _current, null); // the facades switch to silence and pacing
            (stream.Playback as IRenderedSink)?.Detach();
            // At once, not after the close: a stream PortAudio calls inactive, or whose callbacks stopped
            // coming, renders no more, and every period not drained here would be delay once it is back.
            if (_renderer is { } renderer)
            {
                StartStandIn(renderer, stream.LastCallbackFrames);
            }
        }

        if (!stream.Close(PortAudioStream.CloseTimeout))
        {
            DevicesLog.CloseAbandoned(_logger, Description, PortAudioStream.CloseTimeout.TotalMilliseconds);
        }

        SetState(_policy == DeviceLossPolicy.Fail ? AudioDeviceState.Failed : AudioDeviceState.Lost);
    }

    private bool TryReopen(out string? failure)
    {
        PortAudioStream stream;
        try
        {
            stream = OpenStream();
        }
        catch (Exception e) when (e is ArgumentException or PortAudioException or PlatformNotSupportedException or InvalidOperationException)
        {
            failure = e.Message;
            return false;
        }

        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                stream.Dispose();
                failure = "closed";
                return false;
            }

            StopStandIn();
            if (_renderer is { } renderer)
            {
                ((IRenderedSink)stream.Playback!).Attach(renderer);
            }

            Volatile.Write(ref _current, stream);
        }

        Interlocked.Increment(ref _reopenings);
        SetState(AudioDeviceState.Running);
        failure = null;
        return true;
    }

    private void SetState(AudioDeviceState state)
    {
        if (Interlocked.Exchange(ref _state, (int)state) == (int)state)
        {
            return;
        }

        try
        {
            StateChanged?.Invoke(this, state);
        }
        catch (Exception e)
        {
            DevicesLog.HandlerFailed(_logger, e); // an exception escaping the watchdog's thread would end the process
        }
    }

    private void AttachRenderer(IAudioRenderer renderer)
    {
        lock (_gate)
        {
            _renderer = renderer;
            if (Current is { } stream)
            {
                ((IRenderedSink)stream.Playback!).Attach(renderer);
            }
            else if (Volatile.Read(ref _disposed) == 0)
            {
                StartStandIn(renderer, 0);
            }
        }
    }

    private void DetachRenderer()
    {
        lock (_gate)
        {
            _renderer = null;
            (Current?.Playback as IRenderedSink)?.Detach();
            StopStandIn();
        }
    }

    /// <summary>While the device is lost: the mix is rendered and dropped at the device's rate, so the senders' buffers drain as they would.</summary>
    private void StartStandIn(IAudioRenderer renderer, int periodFrames)
    {
        int frames = periodFrames > 0 ? periodFrames : Format.FramesIn(TimeSpan.FromMilliseconds(10));
        _standInStop = false;
        _standIn = new Thread(() => RenderToNowhere(renderer, frames)) { IsBackground = true, Name = "InterCom device stand-in" };
        _standIn.Start();
    }

    private void StopStandIn()
    {
        if (_standIn is { } thread)
        {
            _standInStop = true;
            thread.Join();
            _standIn = null;
        }
    }

    private void RenderToNowhere(IAudioRenderer renderer, int frames)
    {
        var scratch = new float[frames * Format.Channels];
        var pace = new FramePacer(Format.DurationOf(frames)); // the device's clock, when there is no device
        while (!_standInStop)
        {
            pace.WaitNext(CancellationToken.None);
            try
            {
                renderer.Render(scratch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // As on the device's callback: a render that fails plays nothing, and the call goes on.
            }
        }
    }

    private sealed class SupervisedCapture(SupervisedDeviceStream owner) : IAudioSource, IPlayedReference
    {
        private IPlayedReference? _reference; // of the stream the last read came from; none while the device is lost

        private FramePacer? _silence;  // while the device is lost; a new schedule after each loss

        public AudioFormat Format => owner.Format;

        public bool IsRealTime => true;

        public int Read(Span<float> destination, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref owner._disposed) == 0)
            {
                if (owner.Current is { } stream)
                {
                    int read = stream.Capture!.Read(destination, cancellationToken);
                    if (read > 0)
                    {
                        _silence = null;
                        _reference = stream.Capture as IPlayedReference;
                        return read;
                    }

                    // The stream was closed under the read (lost, or closing): until the watchdog puts
                    // another in its place, a read returns at once, so wait rather than spin (this thread
                    // may run at real-time priority, where a spin would take the core from the watchdog).
                    _ = cancellationToken.WaitHandle.WaitOne(1);
                    continue;
                }

                _silence ??= new FramePacer(Format.DurationOf(destination.Length / Format.Channels));
                if (!_silence.WaitNext(cancellationToken))
                {
                    return 0;
                }

                destination.Clear();
                _reference = null;
                return destination.Length;
            }

            return 0;
        }

        public TimeSpan PlayedToCaptured => owner.Current?.Capture is IPlayedReference reference ? reference.PlayedToCaptured : TimeSpan.Zero;

        public int ReadPlayed(Span<float> destination)
        {
            if (_reference is { } reference)
            {
                return reference.ReadPlayed(destination);
            }

            destination.Clear();
            return destination.Length;
        }

        public void Dispose() => owner.Dispose();
    }

    private sealed class SupervisedPlayback(SupervisedDeviceStream owner) : IRenderedSink
    {
        private FramePacer? _drop;

        public AudioFormat Format => owner.Format;

        public bool IsRealTime => true;

        public void Attach(IAudioRenderer renderer) => owner.AttachRenderer(renderer);

        public void Detach() => owner.DetachRenderer();

        public void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken)
        {
            if (owner.Current is { } stream)
            {
                _drop = null;
                stream.Playback!.Write(samples, cancellationToken);
                return;
            }

            _drop ??= new FramePacer(Format.DurationOf(samples.Length / Format.Channels));
            _ = _drop.WaitNext(cancellationToken); // no device: the samples are dropped at its rate
        }

        public void Dispose() => owner.Dispose();
    }
}
