using InterCom.Core.Speech;

namespace InterCom.Cli;

/// <summary>The speech-processing options of <c>intercom call</c>: defined once, read into <see cref="SpeechOptions"/>.</summary>
internal static class SpeechSettings
{
    private static readonly Dictionary<string, SpeechStage> s_auto = new(StringComparer.Ordinal)
    {
        ["auto"] = SpeechStage.Auto, ["on"] = SpeechStage.On, ["off"] = SpeechStage.Off,
    };

    private static readonly Dictionary<string, SpeechStage> s_onOff = new(StringComparer.Ordinal)
    {
        ["on"] = SpeechStage.On, ["off"] = SpeechStage.Off,
    };

    private static readonly string[] s_names = ["aec", "aec-tail-ms", "noise-suppression", "agc"];

    public static IEnumerable<System.CommandLine.Option> Options() =>
    [
        CliOption.Value("aec", "on|off|auto", "acoustic echo cancellation against what the output device plays (default auto: on when input and output are one device)"),
        CliOption.Value("aec-tail-ms", "N", "how long an echo the canceller covers, 20-1000 ms (default 200)"),
        CliOption.Value("noise-suppression", "on|off", "suppress steady background noise (default: on for a device input)"),
        CliOption.Value("agc", "on|off", "automatic gain control of the input (default off)"),
    ];

    /// <summary>The first speech option given, or null.</summary>
    public static string? Given(Arguments args) => s_names.FirstOrDefault(name => args.Single(name) is not null);

    /// <summary>An on|off option as a stage, or null when not given.</summary>
    public static SpeechStage? Stage(Arguments args, string name) => args.Choice(name, s_onOff);

    public static SpeechOptions From(Arguments args)
    {
        var options = new SpeechOptions();
        if (args.Choice("aec", s_auto) is { } aec)
        {
            options = options with { EchoCancellation = aec };
        }

        if (args.Integer("aec-tail-ms", 20, 1000) is { } tail)
        {
            options = options with { EchoTail = TimeSpan.FromMilliseconds(tail) };
        }

        if (Stage(args, "noise-suppression") is { } noise)
        {
            options = options with { NoiseSuppression = noise };
        }

        if (Stage(args, "agc") is { } agc)
        {
            options = options with { AutomaticGainControl = agc == SpeechStage.On };
        }

        return options;
    }
}
