using System.Globalization;
using InterCom.Core.Devices;

namespace InterCom.Cli;

/// <summary><c>intercom devices</c>: what PortAudio can open.</summary>
internal static class DevicesCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "devices",
        """
        Lists the audio devices PortAudio sees: index, host API, name, input and output channels and
        default sample rate. Use the index or a name substring with --input/--output.
        """,
        [CliOption.Value("client-name", "NAME", "JACK client name while listing")]);


    public static async Task<int> RunAsync(Arguments args, TextWriter output)
    {
        if (args.Single("client-name") is { } name)
        {
            PortAudioHost.JackClientName = name;
        }

        IReadOnlyList<AudioDevice> devices = PortAudioHost.GetDevices();
        await output.WriteLineAsync(PortAudioHost.VersionText).ConfigureAwait(false);
        if (devices.Count == 0)
        {
            await output.WriteLineAsync("No audio devices: no sound card and no audio server (JACK, PulseAudio) that PortAudio can reach. " +
                "Calls still work with --input tone:HZ or FILE.wav and --output FILE.wav.").ConfigureAwait(false);
            return 0;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{"index",5}  {"host API",-28} {"in",3} {"out",3} {"rate",7}  name")).ConfigureAwait(false);
        foreach (AudioDevice d in devices)
        {
            string marks = (d.IsDefaultInput ? " (default input)" : string.Empty) + (d.IsDefaultOutput ? " (default output)" : string.Empty);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{d.Index,5}  {d.HostApi,-28} {d.MaxInputChannels,3} {d.MaxOutputChannels,3} {d.DefaultSampleRate,7:F0}  {d.Name}{marks}")).ConfigureAwait(false);
        }

        return 0;
    }
}
