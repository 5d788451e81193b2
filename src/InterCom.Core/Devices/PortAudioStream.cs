using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using InterCom.Core.Audio;
using InterCom.Core.Interop;
using static InterCom.Core.Interop.Interop.PortAudio;

namespace InterCom.Core.Devices;

/// <summary>
/// A PortAudio callback stream: capture, playback or full duplex, 32-bit float interleaved. The
/// callback copies between the device buffers and two lock-free rings; <see cref="Capture"/> and
/// <see cref="Playback"/> are the pipeline's side of those rings. A call's receiving half can instead
/// have the callback pull each period straight from its jitter buffers and mixer (no ring, no thread
/// in between: a device period less delay); that is what it does when it plays to <see cref="Playback"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "PortAudio's own name for it (PaStream).")]
public sealed unsafe class PortAudioStream : IDisposable
{
    /// <summary>How long closing may take before the stream and its PortAudio instance are abandoned: 500 ms.</summary>
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromMilliseconds(500);

    private readonly CallbackState _state;
    private readonly PortAudioLibrary _library;
    private readonly PaStreamHandle _handle;
    private GCHandle _self;
    private int _disposed;

    private PortAudioStream(PortAudioStreamOptions options, CallbackState state, PortAudioLibrary library, PaStreamHandle handle, GCHandle self, int deviceRate, RateConversion? rates)
    {
        Options = options;
        _state = state;
        _library = library;
        _handle = handle;
        _self = self;
        DeviceSampleRate = deviceRate;
        _rates = rates;

        PaStreamInfo* info = library.GetStreamInfo(handle);
        InputLatency = info is null ? TimeSpan.Zero : TimeSpan.FromSeconds(info->inputLatency);
        OutputLatency = info is null ? TimeSpan.Zero : TimeSpan.FromSeconds(info->outputLatency);
        if (options.InputDevice is not null)
        {
            Capture = new CaptureSource(this);
        }

        if (options.OutputDevice is not null)
        {
            Playback = new PlaybackSink(this);
        }
    }

    /// <summary>The options the stream was opened with.</summary>
    public PortAudioStreamOptions Options { get; }

    /// <summary>The stream's format: what <see cref="Capture"/> gives and <see cref="Playback"/> takes.</summary>
    public AudioFormat Format => Options.Format;

    /// <summary>
    /// The rate the device runs at: the format's, or, for a device that cannot open at it (a JACK
    /// server at 44.1 kHz), the device's own, with the audio resampled both ways.
    /// </summary>
    public int DeviceSampleRate { get; }

    /// <summary>What resampling to and from <see cref="DeviceSampleRate"/> adds to the delay, capture and playback together; zero at the format's rate.</summary>
    public TimeSpan ResamplingDelay => _rates?.Delay ?? TimeSpan.Zero;

    private readonly RateConversion? _rates;

    /// <summary>The capture side as a real-time source, or <see langword="null"/> for a playback-only stream.</summary>
    public IAudioSource? Capture { get; }

    /// <summary>The playback side as a real-time sink, or <see langword="null"/> for a capture-only stream.</summary>
    public IAudioSink? Playback { get; }

    /// <summary>Input latency PortAudio reports for the open stream.</summary>
    public TimeSpan InputLatency { get; }

    /// <summary>Output latency PortAudio reports for the open stream.</summary>
    public TimeSpan OutputLatency { get; }

    /// <summary>Callbacks run so far.</summary>
    public long Callbacks => Volatile.Read(ref _state.Callbacks);

    /// <summary>Frames per callback in the last callback (the device period when <see cref="PortAudioStreamOptions.FramesPerBuffer"/> is 0).</summary>
    public int LastCallbackFrames => Volatile.Read(ref _state.LastFrames);

    /// <summary>Captured samples dropped because the pipeline did not take them in time.</summary>
    public long CaptureOverruns => Volatile.Read(ref _state.CaptureOverruns);

    /// <summary>Callbacks that played (partly) silence because the pipeline had not delivered in time.</summary>
    public long PlaybackUnderruns => Volatile.Read(ref _state.PlaybackUnderruns);

    /// <summary>Callbacks in which PortAudio reported an input or output under/overflow (xrun).</summary>
    public long DeviceXruns => Volatile.Read(ref _state.Xruns);

    /// <summary>Opens (but does not start) a stream.</summary>
    /// <param name="options">Devices and format.</param>
    /// <exception cref="ArgumentException">No device given, or a device lacks the channels asked for.</exception>
    /// <exception cref="PortAudioException">The device refuses the format (e.g. the sample rate) or cannot be opened.</exception>
    /// <exception cref="PlatformNotSupportedException">PortAudio is not installed; the message names the package.</exception>
    public static PortAudioStream Open(PortAudioStreamOptions options) => Open(options, null);

    /// <summary>
    /// Opens (but does not start) a full-duplex measuring stream: from its first callback it plays
    /// <paramref name="signal"/> (mono, on every output channel, then silence) and records the first
    /// input channel into <paramref name="recording"/> sample for sample on the same timeline, with no
    /// ring in between, so that the lag between the two is exactly the delay of whatever loop joins
    /// the output to the input. <see cref="ProbeFrames"/> says how far it got. For latency probes
    /// (InterCom.Core.Testing's LatencyProbe).
    /// </summary>
    /// <param name="options">Devices (both required) and format.</param>
    /// <param name="signal">What to play.</param>
    /// <param name="recording">Where the input goes; the stream records until it is full.</param>
    /// <exception cref="ArgumentException">A device is missing or lacks the channels asked for.</exception>
    /// <exception cref="PortAudioException">The device refuses the format or cannot be opened.</exception>
    /// <exception cref="PlatformNotSupportedException">PortAudio is not installed.</exception>
    internal static PortAudioStream OpenProbe(PortAudioStreamOptions options, float[] signal, float[] recording)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(recording);
        if (options.InputDevice is null || options.OutputDevice is null)
        {
            throw new ArgumentException("A probe stream needs an input device and an output device.", nameof(options));
        }

        return Open(options, new Probe(signal, recording));
    }

    /// <summary>Frames a probe stream (<see cref="OpenProbe"/>) has played and recorded so far; 0 for other streams.</summary>
    internal long ProbeFrames => _state.Probe is { } probe ? Volatile.Read(ref probe.Position) : 0;

    private static PortAudioStream Open(PortAudioStreamOptions options, Probe? probe)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Format.Validate(nameof(options));
        if (options.InputDevice is null && options.OutputDevice is null)
        {
            throw new ArgumentException("A stream needs an input device, an output device or both.", nameof(options));
        }

        int channels = options.Format.Channels;
        if (options.PlaybackQueuePeriods is < 1 or > 8)
        {
            throw new ArgumentException($"PlaybackQueuePeriods {options.PlaybackQueuePeriods} is out of range: 1 to 8.", nameof(options));
        }

        CheckChannels(options.InputDevice, channels, AudioDirection.Input);
        CheckChannels(options.OutputDevice, channels, AudioDirection.Output);
        int ringSamples = Math.Max(4096, options.Format.FramesIn(options.RingCapacity) * channels);
        var state = new CallbackState(
            channels,
            options.InputDevice is null ? null : new SampleRing(ringSamples),
            options.OutputDevice is null ? null : new SampleRing(ringSamples),
            options.PlaybackQueuePeriods)
        {
            Probe = probe,
            PlayedRing = options.InputDevice is null || options.OutputDevice is null ? null : new SampleRing(ringSamples),
        };

        PortAudioLibrary library = PortAudioHost.Acquire();
        GCHandle self = GCHandle.Alloc(state);
        RateConversion? rates = null;
        try
        {
            PaStreamParameters input = Parameters(options.InputDevice, channels, options.SuggestedLatency, AudioDirection.Input);
            PaStreamParameters output = Parameters(options.OutputDevice, channels, options.SuggestedLatency, AudioDirection.Output);
            PaStreamParameters* inputPtr = options.InputDevice is null ? null : &input;
            PaStreamParameters* outputPtr = options.OutputDevice is null ? null : &output;
            string devices = DevicesOf(options);
            int rate = options.Format.SampleRate;
            int supported = library.IsFormatSupported(inputPtr, outputPtr, rate);
            if (supported != paNoError && probe is null && DeviceRate(options) is { } own && own != rate && library.IsFormatSupported(inputPtr, outputPtr, own) == paNoError)
            {
                (rate, supported) = (own, paNoError);
                rates = new RateConversion(options, state, rate); // resampled to and from the call's rate (before the open: it may refuse, libspeexdsp missing)
            }

            PortAudioException.ThrowIfError(supported, "Pa_IsFormatSupported", $"{devices} does not support {options.Format}");
            int error = library.OpenStream(
                out PaStreamHandle? handle,
                inputPtr,
                outputPtr,
                rate,
                new CULong((nuint)options.FramesPerBuffer),
                new CULong((nuint)(paClipOff | paDitherOff)),
                &OnAudio,
                (void*)GCHandle.ToIntPtr(self));
            PortAudioException.ThrowIfError(error, "Pa_OpenStream", $"cannot open {devices} at {rate} Hz");
            return new PortAudioStream(options, state, library, handle!, self, rate, rates);
        }
        catch
        {
            rates?.Dispose();
            self.Free();
            state.Dispose();
            PortAudioHost.Release(library);
            throw;
        }
    }

    /// <summary>Starts the callbacks.</summary>
    /// <exception cref="PortAudioException">PortAudio could not start the stream.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        PortAudioException.ThrowIfError(_library.StartStream(_handle), "Pa_StartStream");
        if (Interlocked.Exchange(ref _gcEntered, 1) == 0)
        {
            Diagnostics.RealTimeGc.Enter();
        }
    }

    private int _gcEntered;

    /// <summary>
    /// Whether the stream still runs: PortAudio says it is active (a stream stops by itself when its
    /// device or audio server goes away). Callbacks that stop coming are the other sign; see <see cref="Callbacks"/>.
    /// </summary>
    public bool IsActive => Volatile.Read(ref _disposed) == 0 && _library.IsStreamActive(_handle) == 1;

    /// <summary>
    /// Stops the callbacks and closes the stream. Never waits long: a close that has not ended within
    /// 500 ms (a device or JACK server that has gone) is abandoned on its own thread, and the stream's
    /// PortAudio instance with it (later streams use a fresh one).
    /// </summary>
    public void Dispose() => _ = Close(CloseTimeout);

    /// <summary>As <see cref="Dispose"/>; returns whether the native stream was closed (false: abandoned).</summary>
    internal bool Close(TimeSpan limit)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return true;
        }

        Volatile.Write(ref _state.Closed, 1);
        _state.CaptureWake.Signal(); // a waiting pipeline thread sees the close now
        _state.PlaybackWake.Signal();
        int abandoned = 0;
        bool closed = BoundedCall.Run(
            () =>
            {
                _ = _library.AbortStream(_handle);
                if (Volatile.Read(ref abandoned) == 0)
                {
                    _handle.Dispose(); // Pa_CloseStream; never after a late abort: the instance is given up by then
                }
            },
            limit,
            "InterCom PortAudio close");
        if (closed)
        {
            _rates?.Dispose(); // no callback renders through it any more
            _state.Dispose(); // no callback can signal its wakes any more
            _self.Free();
            PortAudioHost.Release(_library);
        }
        else
        {
            Volatile.Write(ref abandoned, 1);
            _handle.SetHandleAsInvalid(); // its finalizer must not close it either
            PortAudioHost.Abandon(_library); // the GCHandle stays: the native side may still call back
        }

        if (Interlocked.Exchange(ref _gcEntered, 0) == 1)
        {
            Diagnostics.RealTimeGc.Exit();
        }

        return closed;
    }

    /// <summary>The rate the stream's devices run at by default (for JACK: the server's), when they agree and it is a whole number of hertz.</summary>
    private static int? DeviceRate(PortAudioStreamOptions options)
    {
        double rate = (options.InputDevice ?? options.OutputDevice)!.DefaultSampleRate;
        bool agree = options.InputDevice is null || options.OutputDevice is null || options.InputDevice.DefaultSampleRate == options.OutputDevice.DefaultSampleRate;
        return agree && rate is >= 8_000 and <= 192_000 && rate == Math.Floor(rate) ? (int)rate : null;
    }

    /// <summary>The devices of <paramref name="options"/> in words, each once: "#0 'system' (JACK ...)" or "A + B".</summary>
    internal static string DevicesOf(PortAudioStreamOptions options)
        => string.Join(" + ", new[] { options.InputDevice, options.OutputDevice }.Where(d => d is not null).Distinct());

    private static void CheckChannels(AudioDevice? device, int channels, AudioDirection direction)
    {
        if (device is null)
        {
            return;
        }

        int max = direction == AudioDirection.Input ? device.MaxInputChannels : device.MaxOutputChannels;
        if (max < channels)
        {
            throw new ArgumentException($"Device {device} has {max} {direction.ToString().ToLowerInvariant()} channel(s); {channels} asked for.", nameof(device));
        }
    }

    private static PaStreamParameters Parameters(AudioDevice? device, int channels, TimeSpan? latency, AudioDirection direction) => device is null
        ? default
        : new PaStreamParameters
        {
            device = device.Index,
            channelCount = channels,
            sampleFormat = new CULong((nuint)paFloat32),
            suggestedLatency = latency?.TotalSeconds
                ?? (direction == AudioDirection.Input ? device.DefaultLowInputLatency : device.DefaultLowOutputLatency),
            hostApiSpecificStreamInfo = null,
        };

    /// <summary>The audio callback: copies, counts, returns. Never allocates, locks, logs, blocks or throws.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnAudio(void* input, void* output, CULong frameCount, void* timeInfo, CULong statusFlags, void* userData)
    {
        var state = Unsafe.As<CallbackState>(GCHandle.FromIntPtr((IntPtr)userData).Target!);
        int samples = (int)frameCount.Value * state.Channels;
        try
        {
            if (state.Probe is { } probe)
            {
                probe.Process((float*)input, (float*)output, (int)frameCount.Value, state.Channels);
            }

            if (output is not null && state.Probe is null)
            {
                var destination = new Span<float>(output, samples);
                if (Volatile.Read(ref state.Renderer) is { } renderer)
                {
                    renderer.Render(destination);
                }
                else
                {
                    int read = state.PlaybackRing?.Read(destination) ?? 0;
                    state.PlaybackWake.Signal();
                    if (read < samples)
                    {
                        destination[read..].Clear();
                        if (state.PlaybackPrimed != 0)
                        {
                            state.PlaybackUnderruns++;
                        }
                    }
                }

                // Before the capture: a reader that sees a period captured finds what was played with it.
                _ = state.PlayedRing?.Write(destination);
            }

            if (input is not null && state.CaptureRing is not null && state.Probe is null)
            {
                int written = state.CaptureRing.Write(new ReadOnlySpan<float>(input, samples));
                if (written < samples)
                {
                    state.CaptureOverruns += samples - written;
                }

                state.CaptureWake.Signal();
            }

            if ((statusFlags.Value & (nuint)(paInputOverflow | paInputUnderflow | paOutputOverflow | paOutputUnderflow)) != 0)
            {
                state.Xruns++;
            }

            state.LastFrames = (int)frameCount.Value;
            Volatile.Write(ref state.Callbacks, state.Callbacks + 1);
            return paContinue;
        }
        catch
        {
            if (output is not null)
            {
                new Span<float>(output, samples).Clear(); // silence, not whatever a renderer left half-written
            }

            return paContinue; // An exception escaping a native callback kills the process.
        }
    }

    /// <summary>Waits for a ring condition from a pipeline thread: spins briefly, then until the callback wakes it (at most 20 ms at a time, to see a stop).</summary>
    private bool WaitFor(Func<CallbackState, int, bool> ready, DeviceWake wake, int samples, CancellationToken cancellationToken)
    {
        var spinner = default(SpinWait);
        while (!ready(_state, samples))
        {
            if (cancellationToken.IsCancellationRequested || Volatile.Read(ref _state.Closed) != 0)
            {
                return false;
            }

            if (spinner.Count < 10)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            else
            {
                wake.Wait(timeoutMs: 20);
            }
        }

        return true;
    }

    /// <summary>State shared with the callback; the rings are its only link to the pipeline.</summary>
    private sealed class CallbackState(int channels, SampleRing? captureRing, SampleRing? playbackRing, int queuePeriods) : IDisposable
    {
        public readonly int Channels = channels;
        public readonly int QueuePeriods = queuePeriods;
        public readonly SampleRing? CaptureRing = captureRing;
        public readonly SampleRing? PlaybackRing = playbackRing;
        public long Callbacks;
        public int LastFrames;
        public long CaptureOverruns;
        public long PlaybackUnderruns;
        public long Xruns;
        public int PlaybackPrimed;
        public int Closed;
        public Probe? Probe;
        public SampleRing? PlayedRing;    // full duplex only: what each callback played, for the echo canceller
        public IAudioRenderer? Renderer;  // when set, playback pulls from it instead of the ring
        public readonly DeviceWake CaptureWake = new();
        public readonly DeviceWake PlaybackWake = new();

        /// <summary>Closes the wakes: only once the stream is closed (an abandoned stream keeps them, its callback may still run).</summary>
        public void Dispose()
        {
            CaptureWake.Dispose();
            PlaybackWake.Dispose();
        }
    }

    /// <summary>A measuring stream's signal and recording, indexed by the callback's own frame count.</summary>
    private sealed class Probe(float[] signal, float[] recording)
    {
        public long Position;

        public void Process(float* input, float* output, int frames, int channels)
        {
            long start = Position;
            for (int f = 0; f < frames; f++)
            {
                long i = start + f;
                if (output is not null)
                {
                    float x = i < signal.Length ? signal[i] : 0f;
                    for (int c = 0; c < channels; c++)
                    {
                        output[(f * channels) + c] = x;
                    }
                }

                if (input is not null && i < recording.Length)
                {
                    recording[i] = input[f * channels];
                }
            }

            Volatile.Write(ref Position, start + frames);
        }
    }

    private sealed class CaptureSource(PortAudioStream stream) : IAudioSource, IPlayedReference
    {
        private static readonly Func<CallbackState, int, bool> s_enoughCaptured = static (s, n) => s.CaptureRing!.Count >= n;

        public AudioFormat Format => stream.Format;

        public bool IsRealTime => true;

        private bool _started;

        public int Read(Span<float> destination, CancellationToken cancellationToken)
        {
            if (!_started)
            {
                // Audio captured before the first read (while the call was being set up) is stale: sending
                // it would start the call with that much delay in the receiver's buffer.
                _started = true;
                stream._state.CaptureRing!.DiscardAllBut(destination.Length);
                stream._state.PlayedRing?.DiscardTo(stream._state.CaptureRing.ReadPosition); // in step: both rings got the same periods
            }

            if (stream._rates is { } rates)
            {
                return rates.ReadCaptured(destination, stream, cancellationToken);
            }

            return stream.WaitFor(s_enoughCaptured, stream._state.CaptureWake, destination.Length, cancellationToken) ? stream._state.CaptureRing!.Read(destination) : 0;
        }

        public TimeSpan PlayedToCaptured => stream.InputLatency + stream.OutputLatency;

        public int ReadPlayed(Span<float> destination)
        {
            int read = stream._rates is { } rates ? rates.ReadPlayed(destination) : stream._state.PlayedRing?.Read(destination) ?? 0;
            destination[read..].Clear();
            return destination.Length;
        }

        public void Dispose() => stream.Dispose();
    }

    private sealed class PlaybackSink(PortAudioStream stream) : IRenderedSink
    {
        public void Attach(IAudioRenderer renderer)
        {
            if (stream._rates?.Renderer is { } resampling)
            {
                resampling.Inner = renderer;
                renderer = resampling;
            }

            Volatile.Write(ref stream._state.Renderer, renderer);
        }

        public void Detach() => Volatile.Write(ref stream._state.Renderer, null);

        // Keep at most PlaybackQueuePeriods device periods queued ahead of the new samples: every queued
        // sample is latency, and every missing one a dropout.
        private static readonly Func<CallbackState, int, bool> s_roomToPlay = static (s, n) =>
            s.PlaybackRing!.Count + n <= Math.Min(s.PlaybackRing.Capacity, (Math.Max(s.LastFrames, 64) * s.Channels * s.QueuePeriods) + n);

        public AudioFormat Format => stream.Format;

        public bool IsRealTime => true;

        public void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken)
        {
            if (stream._rates is { } rates)
            {
                samples = rates.ToDevice(samples);
            }

            if (stream.WaitFor(s_roomToPlay, stream._state.PlaybackWake, samples.Length, cancellationToken))
            {
                _ = stream._state.PlaybackRing!.Write(samples);
                Volatile.Write(ref stream._state.PlaybackPrimed, 1);
            }
        }

        public void Dispose() => stream.Dispose();
    }

    /// <summary>
    /// A device at another rate than the call's: captured (and played, for the echo canceller) audio
    /// resampled to the call's rate on the pipeline thread, in step; played audio resampled to the
    /// device's, on the writing thread or, when the device pulls, on its callback.
    /// </summary>
    private sealed class RateConversion : IDisposable
    {
        private static readonly Func<CallbackState, int, bool> s_anyCaptured = static (s, n) => s.CaptureRing!.Count >= n;
        private readonly CallbackState _state;
        private readonly ResamplingQueue? _captured;
        private readonly ResamplingQueue? _played;
        private readonly Resampler? _toDevice;
        private readonly float[] _scratch;
        private readonly float[] _playedScratch;
        private readonly float[] _deviceScratch;
        private readonly double _deviceRatio; // device samples per call sample
        private readonly int _channels;
        private bool _playedWanted; // the echo canceller reads what was played: only then is it resampled

        public RateConversion(PortAudioStreamOptions options, CallbackState state, int deviceRate)
        {
            _state = state;
            _channels = options.Format.Channels;
            int rate = options.Format.SampleRate;
            _deviceRatio = deviceRate / (double)rate;
            int capacity = Math.Max(8192, options.Format.FramesIn(options.RingCapacity) * _channels);
            _scratch = new float[capacity];
            _playedScratch = state.PlayedRing is null ? [] : new float[capacity];
            _deviceScratch = options.OutputDevice is null ? [] : new float[(int)Math.Ceiling(capacity * _deviceRatio) + (4 * _channels)];
            TimeSpan delay = TimeSpan.Zero;
            if (options.InputDevice is not null)
            {
                _captured = new ResamplingQueue(_channels, deviceRate, rate, 2 * capacity);
                _played = state.PlayedRing is null ? null : new ResamplingQueue(_channels, deviceRate, rate, 2 * capacity);
                delay += _captured.Delay;
            }

            if (options.OutputDevice is not null)
            {
                _toDevice = new Resampler(_channels, rate, deviceRate, skipDelay: false);
                Renderer = new ResamplingRenderer(_channels, rate, deviceRate, capacity);
                delay += _toDevice.Delay;
            }

            Delay = delay;
        }

        public TimeSpan Delay { get; }

        /// <summary>For a device that pulls: the call's renderer resampled on the callback.</summary>
        public ResamplingRenderer? Renderer { get; }

        /// <summary>Fills <paramref name="destination"/> at the call's rate from what the device captured; 0 when the stream closed or the read was cancelled.</summary>
        public int ReadCaptured(Span<float> destination, PortAudioStream stream, CancellationToken cancellationToken)
        {
            ResamplingQueue captured = _captured!;
            while (captured.Count < destination.Length)
            {
                int missing = (int)Math.Ceiling((destination.Length - captured.Count) / _channels * _deviceRatio) * _channels;
                int wanted = Math.Clamp(missing, _channels, _scratch.Length);
                if (!stream.WaitFor(s_anyCaptured, _state.CaptureWake, wanted, cancellationToken))
                {
                    return 0;
                }

                int n = Math.Min(_state.CaptureRing!.Count, _scratch.Length) / _channels * _channels;
                _state.CaptureRing.Read(_scratch.AsSpan(0, n));
                captured.Push(_scratch.AsSpan(0, n));
                if (_played is not null && !_playedWanted)
                {
                    _state.PlayedRing!.DiscardTo(_state.CaptureRing.ReadPosition); // kept in step, unread
                }
                else if (_played is not null)
                {
                    Span<float> played = _playedScratch.AsSpan(0, n);
                    played[_state.PlayedRing!.Read(played)..].Clear();
                    _played.Push(played); // the same samples in as captured: the two stay in step
                }
            }

            return captured.Pop(destination);
        }

        /// <summary>What was played with the audio <see cref="ReadCaptured"/> gave last, at the call's rate.</summary>
        public int ReadPlayed(Span<float> destination)
        {
            _playedWanted = true; // from the next capture on; one block of silence as the reference first
            return _played?.Pop(destination) ?? 0;
        }

        /// <summary>Audio at the call's rate as the device's (valid until the next call).</summary>
        public ReadOnlySpan<float> ToDevice(ReadOnlySpan<float> samples)
        {
            int produced = 0;
            while (!samples.IsEmpty && produced < _deviceScratch.Length)
            {
                (int used, int made) = _toDevice!.Process(samples, _deviceScratch.AsSpan(produced));
                produced += made;
                samples = samples[used..];
                if (used == 0)
                {
                    break;
                }
            }

            return _deviceScratch.AsSpan(0, produced);
        }

        public void Dispose()
        {
            _captured?.Dispose();
            _played?.Dispose();
            _toDevice?.Dispose();
            Renderer?.Dispose();
        }
    }
}
