using System.Globalization;
using InterCom.Core.Audio;
using InterCom.Core.Devices;

namespace InterCom.Cli;

/// <summary>
/// Turns --input/--output words into a source and a sink: <c>tone:HZ</c>, a <c>.wav</c> path, or a
/// device (<c>default</c>, an index, a name substring, <c>API:NAME</c>). When both are devices they
/// share one full-duplex PortAudio stream.
/// </summary>
internal sealed class AudioEndpoints : IDisposable
{
    private PortAudioStream? _stream;

    private AudioEndpoints(IAudioSource source, IAudioSink sink, PortAudioStream? stream, string inputDescription, string outputDescription)
    {
        Source = source;
        Sink = sink;
        _stream = stream;
        InputDescription = inputDescription;
        OutputDescription = outputDescription;
    }

    public IAudioSource Source { get; }

    public IAudioSink Sink { get; }

    public string InputDescription { get; }

    public string OutputDescription { get; }

    public PortAudioStream? Stream => _stream;

    public static bool IsWav(string spec) => spec.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);

    public static bool IsTone(string spec) => spec.StartsWith("tone:", StringComparison.OrdinalIgnoreCase);

    public static bool IsDevice(string spec) => !IsWav(spec) && !IsTone(spec);

    /// <summary>Checks the words without opening anything (bad usage is exit code 2, before any work).</summary>
    public static void Validate(string input, string output)
    {
        if (IsTone(output))
        {
            throw new UsageException($"--output '{output}': a tone is an input; use a device or FILE.wav.");
        }

        if (IsTone(input))
        {
            _ = ParseTone(input);
        }
    }

    public static AudioEndpoints Open(string input, string output, AudioFormat format, string? clientName)
    {
        if (clientName is not null)
        {
            PortAudioHost.JackClientName = clientName;
        }

        AudioDevice? inputDevice = IsDevice(input) ? PortAudioHost.FindDevice(input, AudioDirection.Input) : null;
        AudioDevice? outputDevice = IsDevice(output) ? PortAudioHost.FindDevice(output, AudioDirection.Output) : null;
        PortAudioStream? stream = null;
        IAudioSource? source = null;
        try
        {
            if (inputDevice is not null || outputDevice is not null)
            {
                stream = PortAudioStream.Open(new PortAudioStreamOptions { InputDevice = inputDevice, OutputDevice = outputDevice, Format = format });
            }

            source = IsTone(input) ? new ToneSource(ParseTone(input), format)
                : IsWav(input) ? OpenWav(input, format)
                : stream!.Capture!;
            IAudioSink sink = IsWav(output) ? CreateWav(output, format) : stream!.Playback!;
            stream?.Start();
            return new AudioEndpoints(
                source,
                sink,
                stream,
                inputDevice is null ? input : $"device {inputDevice}",
                outputDevice is null ? output : $"device {outputDevice}");
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

    public void Dispose()
    {
        Source.Dispose();
        Sink.Dispose();
        _stream?.Dispose();
        _stream = null;
    }

    private static WavFileSource OpenWav(string path, AudioFormat format)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        return new WavFileSource(path, format.Channels);
    }

    private static WavFileSink CreateWav(string path, AudioFormat format)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write '{path}': folder '{directory}' does not exist.");
        }

        return new WavFileSink(path, format);
    }

    private static double ParseTone(string spec)
    {
        string text = spec[5..];
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double hz) && hz > 0 && hz < 24_000
            ? hz
            : throw new UsageException($"--input '{spec}': the tone frequency must be a number of hertz between 0 and 24000, e.g. tone:440.");
    }
}
