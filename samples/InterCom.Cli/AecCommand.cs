using System.Globalization;
using InterCom.Core.Speech;

namespace InterCom.Cli;

/// <summary><c>intercom aec</c>: the call's echo canceller and preprocessor on two recordings, offline, with the ERLE it reached.</summary>
internal static class AecCommand
{
    /// <summary>The command, its options and its help.</summary>
    public static System.CommandLine.Command Definition() => CliOption.Command(
        "aec",
        """
        Runs the echo canceller and preprocessor of a call on recordings, block by block as in a call:
        FAR is what the loudspeaker played, MIC what the microphone took at the same time (both WAV,
        any rate, starting together). Writes the cleaned microphone to OUT (48 kHz mono, lined up with
        MIC) and prints the echo return loss enhancement (ERLE) over the blocks where FAR plays, after
        the first 2 s in which the filter learns. Near-end speech in those blocks lowers the figure.
        """,
        [
            CliOption.Value("far", "FAR.wav", "what was played (the echo's source)"),
            CliOption.Value("mic", "MIC.wav", "what the microphone recorded"),
            CliOption.Value("out", "OUT.wav", "where the cleaned microphone signal goes"),
            CliOption.Value("tail-ms", "N", "how long an echo the filter covers, 20-1000 ms (default 200)"),
            CliOption.Value("noise-suppression", "on|off", "suppress noise as well (default on)"),
            CliOption.Flag("linear-only", "the linear filter alone: no residual echo or noise suppression"),
        ]);

    public static async Task<int> RunAsync(Arguments args, TextWriter output)
    {
        string far = args.Required("far"), mic = args.Required("mic"), outPath = args.Required("out");
        int? tail = args.Integer("tail-ms", 20, 1000);

        SpeechOptions options = SpeechSettings.Stage(args, "noise-suppression") is { } noise
            ? new SpeechOptions { NoiseSuppression = noise }
            : new SpeechOptions();
        if (tail is { } ms)
        {
            options = options with { EchoTail = TimeSpan.FromMilliseconds(ms) };
        }

        options = options with { EchoCancellation = SpeechStage.On };
        if (args.Has("linear-only"))
        {
            options = options with { NoiseSuppression = SpeechStage.Off, ResidualEchoSuppression = false };
        }

        SpeechProcessingReport report = SpeechFileProcessing.Run(far, mic, outPath, options);
        string erle = report.EchoReturnLossEnhancementDb is { } db
            ? string.Create(CultureInfo.InvariantCulture, $"ERLE {db:F1} dB over {report.FarEndBlocks} blocks of 10 ms in which the far end plays")
            : "ERLE not measured: the far end plays in no block after the first 2 s";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{erle}; {report.Duration.TotalSeconds:F1} s processed, {report.TimePerBlock.TotalMicroseconds:F0} µs per 10 ms of audio ({report.TimePerBlock.TotalMilliseconds / 10 * 100:F1} % of a core); " +
            $"written to {outPath} (lined up with the microphone: the {report.Delay.TotalMilliseconds:F0} ms the chain delays is taken out)")).ConfigureAwait(false);
        return 0;
    }
}
