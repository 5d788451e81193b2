using System.Globalization;
using InterCom.Core.Audio;
using InterCom.Core.Speech;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Devices;

/// <summary>
/// A call's source and sink opened from words, as the <c>intercom</c> command and the worker processes
/// of <see cref="Hosting.ProcessHost"/> take them: <c>tone:HZ</c> (input only), a <c>.wav</c> path, or
/// a device (<c>default</c>, an index, a name substring, <c>API:NAME</c>; see
/// <see cref="PortAudioHost.FindDevice"/>). When both are devices they share one full-duplex stream.
/// A device that stops by itself (unplugged, its JACK server gone) does not end the call: it is
/// reopened as soon as it is back (<see cref="DeviceLossPolicy"/>, <see cref="DeviceState"/>), and
/// meanwhile the source gives silence and the sink drops what it is given, both at the device's pace.
/// </summary>
public sealed class AudioEndpoints : IDisposable
{
    private SupervisedDeviceStream? _device;

    private AudioEndpoints(IAudioSource? source, IAudioSink? sink, SupervisedDeviceStream? device, string inputDescription, string outputDescription)
    {
        Source = source;
        Sink = sink;
        _device = device;
        InputDescription = inputDescription;
        OutputDescription = outputDescription;
        if (device is not null)
        {
            device.StateChanged += (_, state) => DeviceStateChanged?.Invoke(this, state);
        }
    }

    /// <summary>What to send, or <see langword="null"/> when no input was asked for.</summary>
    public IAudioSource? Source { get; }

    /// <summary>Where to play, or <see langword="null"/> when no output was asked for.</summary>
    public IAudioSink? Sink { get; }

    /// <summary>The input in words, with the device's full name when it is one.</summary>
    public string InputDescription { get; }

    /// <summary>The output in words, with the device's full name when it is one.</summary>
    public string OutputDescription { get; }

    /// <summary>What resampling a device that does not run at the call's rate adds to the delay, capture and playback together; zero otherwise.</summary>
    public TimeSpan ResamplingDelay => Stream?.ResamplingDelay ?? TimeSpan.Zero;

    /// <summary>The PortAudio stream behind a device source or sink now, if any (another one after a device is reopened; none while it is lost).</summary>
    public PortAudioStream? Stream => _device?.Current;

    /// <summary>
    /// The capture device's period in frames, once its first callback has said it: waits up to
    /// <paramref name="timeout"/> for that callback. <see langword="null"/> when the input is no device
    /// or no callback came in time. For L16 frames of one period (<see cref="Codecs.CodecOptions.ForSamples"/>).
    /// </summary>
    /// <param name="timeout">How long to wait for the first callback.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public async Task<int?> WaitForCapturePeriodAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Stream is { Capture: not null } stream)
        {
            if (stream.LastCallbackFrames > 0)
            {
                return stream.LastCallbackFrames;
            }

            if (Environment.TickCount64 >= deadline)
            {
                break;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>What the device is doing; <see cref="AudioDeviceState.None"/> when neither end is a device.</summary>
    public AudioDeviceState DeviceState => _device?.State ?? AudioDeviceState.None;

    /// <summary>Times the device stopped by itself during the call.</summary>
    public int DeviceLosses => _device?.Losses ?? 0;

    /// <summary>Times the device was opened again after it was lost.</summary>
    public int DeviceReopenings => _device?.Reopenings ?? 0;

    /// <summary>Why the device was last lost, or <see langword="null"/>.</summary>
    public string? DeviceLossReason => _device?.LastLossReason;

    /// <summary>Raised, on a thread of the library's, when <see cref="DeviceState"/> changes (lost, back, failed, closed).</summary>
    public event EventHandler<AudioDeviceState>? DeviceStateChanged;

    /// <summary>Whether <paramref name="spec"/> names a WAV file.</summary>
    public static bool IsWav(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="spec"/> is a tone, <c>tone:HZ</c>.</summary>
    public static bool IsTone(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.StartsWith("tone:", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="spec"/> names a device (neither a tone nor a WAV file).</summary>
    public static bool IsDevice(string spec) => !IsWav(spec) && !IsTone(spec);

    /// <summary>Checks the words without opening anything.</summary>
    /// <exception cref="ArgumentException">A tone given as output, or a tone frequency that is no number of hertz below 24 kHz.</exception>
    /// <param name="input">The input's words, or <see langword="null"/>.</param>
    /// <param name="output">The output's words, or <see langword="null"/>.</param>
    /// <param name="speech">The speech processing asked for: echo cancellation turned <see cref="SpeechStage.On"/> needs both to be devices.</param>
    public static void Validate(string? input, string? output, SpeechOptions? speech = null)
    {
        if (speech?.EchoCancellation == SpeechStage.On && !(input is not null && IsDevice(input) && output is not null && IsDevice(output)))
        {
            throw new ArgumentException("Echo cancellation needs the input and the output to be devices (one full-duplex stream): it cancels what the output plays.", nameof(speech));
        }

        if (output is not null && IsTone(output))
        {
            throw new ArgumentException($"Output '{output}': a tone is an input; use a device or FILE.wav.", nameof(output));
        }

        if (input is not null && IsTone(input))
        {
            _ = ParseTone(input);
        }
    }

    /// <summary>Opens the source and the sink (a device stream is started), with the device stream's settings taken from <paramref name="device"/> (its devices and format are filled in).</summary>
    /// <param name="input">Where the call's audio comes from (see the class summary), or <see langword="null"/>.</param>
    /// <param name="output">Where the call's audio goes, or <see langword="null"/>.</param>
    /// <param name="format">The call's format.</param>
    /// <param name="device">Device stream settings, e.g. <see cref="PortAudioStreamOptions.PlaybackQueuePeriods"/>; default PortAudio's.</param>
    /// <param name="clientName">JACK client name, or <see langword="null"/>.</param>
    /// <param name="appendOutput">Continue an existing WAV output file instead of replacing it.</param>
    /// <param name="onDeviceLoss">What to do when the device stops by itself; default <see cref="DeviceLossPolicy.Retry"/>.</param>
    /// <param name="logger">Where device loss and return are logged; default none.</param>
    /// <param name="speech">The input's speech processing (echo cancellation, noise suppression, gain); default <see cref="SpeechOptions"/>'s: the echo canceller when input and output are one device.</param>
    /// <returns>The opened endpoints; dispose them to close everything.</returns>
    /// <exception cref="ArgumentException">The words are invalid (<see cref="Validate"/>), or echo cancellation is asked for without one device for input and output.</exception>
    /// <exception cref="PlatformNotSupportedException">Speech processing is asked for and libspeexdsp is not installed; the message names the package.</exception>
    /// <exception cref="FileNotFoundException">The input file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The output file's folder does not exist.</exception>
    /// <exception cref="Interop.PortAudioException">PortAudio is missing, or the device cannot be opened.</exception>
    public static AudioEndpoints Open(
        string? input, string? output, AudioFormat format, PortAudioStreamOptions? device = null, string? clientName = null, bool appendOutput = false,
        DeviceLossPolicy onDeviceLoss = DeviceLossPolicy.Retry, ILogger? logger = null, SpeechOptions? speech = null)
    {
        device ??= new PortAudioStreamOptions();
        speech ??= new SpeechOptions();
        speech.Validate();
        Validate(input, output, speech);
        if (clientName is not null)
        {
            PortAudioHost.JackClientName = clientName;
        }

        string? inputDevice = input is not null && IsDevice(input) ? input : null;
        string? outputDevice = output is not null && IsDevice(output) ? output : null;
        bool echo = speech.EchoCancellation != SpeechStage.Off && inputDevice is not null && outputDevice is not null;
        bool noise = speech.NoiseSuppression == SpeechStage.On || (speech.NoiseSuppression == SpeechStage.Auto && echo);
        bool processing = input is not null && (echo || noise || speech.AutomaticGainControl);
        if (processing)
        {
            SpeexDspLibrary.EnsureUsable();
        }

        SupervisedDeviceStream? stream = null;
        IAudioSource? source = null;
        try
        {
            if (inputDevice is not null || outputDevice is not null)
            {
                stream = new SupervisedDeviceStream(inputDevice, outputDevice, device with { Format = format }, onDeviceLoss, logger ?? NullLogger.Instance);
            }

            source = input is null ? null
                : IsTone(input) ? new ToneSource(ParseTone(input), format)
                : IsWav(input) ? new WavFileSource(input, format.Channels)
                : stream!.Capture!;
            if (processing)
            {
                source = new SpeechProcessingSource(source!, new SpeechProcessor(format.SampleRate, echo, speech, noise), source as IPlayedReference);
            }

            IAudioSink? sink = output is null ? null
                : IsWav(output) ? CreateWav(output, format, appendOutput)
                : stream!.Playback!;
            PortAudioStreamOptions? opened = stream?.Current?.Options;
            string rate = Resampled(stream?.Current);
            return new AudioEndpoints(
                source,
                sink,
                stream,
                (opened?.InputDevice is { } inDevice ? $"device {inDevice}{rate}" : input ?? "none") + Processing(echo, speech, noise, processing),
                opened?.OutputDevice is { } outDevice ? $"device {outDevice}{rate}" : output ?? "none");
        }
        catch
        {
            if (source is not null && source is not ToneSource && source != stream?.Capture)
            {
                source.Dispose();
            }

            stream?.Dispose();
            throw;
        }
    }

    /// <summary>Closes the source, the sink (a WAV file is then complete) and the device stream.</summary>
    public void Dispose()
    {
        Source?.Dispose();
        Sink?.Dispose();
        _device?.Dispose();
        _device = null;
    }

    private static string Resampled(PortAudioStream? stream)
        => stream is null || stream.DeviceSampleRate == stream.Format.SampleRate ? ""
            : string.Create(CultureInfo.InvariantCulture, $" at {stream.DeviceSampleRate} Hz, resampled ({stream.ResamplingDelay.TotalMilliseconds:F1} ms both ways)");

    private static string Processing(bool echo, SpeechOptions speech, bool noise, bool processing)
    {
        if (!processing)
        {
            return "";
        }

        IEnumerable<string> stages = new[]
        {
            echo ? $"echo cancellation ({speech.EchoTail.TotalMilliseconds:F0} ms)" : null,
            noise ? "noise suppression" : null,
            speech.AutomaticGainControl ? "gain control" : null,
        }.OfType<string>();
        return $" with {string.Join(", ", stages)}";
    }

    private static WavFileSink CreateWav(string path, AudioFormat format, bool append)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write '{path}': folder '{directory}' does not exist.");
        }

        return append ? WavFileSink.Append(path, format) : new WavFileSink(path, format);
    }

    private static double ParseTone(string spec)
    {
        string text = spec[5..];
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double hz) && hz > 0 && hz < 24_000
            ? hz
            : throw new ArgumentException($"Input '{spec}': the tone frequency must be a number of hertz between 0 and 24000, e.g. tone:440.", nameof(spec));
    }
}
