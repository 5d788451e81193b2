using InterCom.Core.Audio;

namespace InterCom.Core.Speech;

/// <summary>What <see cref="SpeechFileProcessing.Run"/> measured.</summary>
/// <param name="Duration">How much of the microphone recording was processed.</param>
/// <param name="EchoReturnLossEnhancementDb">
/// The echo return loss enhancement: how much weaker the output is than the microphone over the blocks
/// in which the far end plays, from <see cref="SpeechFileProcessing.ConvergenceTime"/> on (the filter
/// still learns before), dB. Near-end speech in those blocks lowers it (it is kept, as it should be).
/// <see langword="null"/> when the far end plays in no such block.
/// </param>
/// <param name="FarEndBlocks">The 10 ms stretches it was measured over.</param>
/// <param name="Delay">How much later the output is than the microphone (the preprocessor's block; the output file is written shifted back by it).</param>
/// <param name="TimePerBlock">The processor's own time per 10 ms of audio, averaged (the cost of the chain in a call, on this machine).</param>
public sealed record SpeechProcessingReport(TimeSpan Duration, double? EchoReturnLossEnhancementDb, int FarEndBlocks, TimeSpan Delay, TimeSpan TimePerBlock);

/// <summary>
/// The capture side's speech chain on recordings: the same canceller and preprocessor as in a call,
/// block by block at 48 kHz (blocks of <see cref="SpeechOptions.BlockDuration"/>), for tuning on one's own room (<c>intercom aec</c>).
/// </summary>
public static class SpeechFileProcessing
{
    /// <summary>How long the filter is given to learn before the ERLE is measured: 2 s.</summary>
    public static readonly TimeSpan ConvergenceTime = TimeSpan.FromSeconds(2);

    private const double FarEndActiveDbfs = -50; // 10 ms of the far end's below this play nothing to cancel
    private const int TenMs = AudioFormat.CallSampleRate / 100;   // what the ERLE and the cost are measured over

    /// <summary>
    /// Cancels the echo of <paramref name="farPath"/> (what the loudspeaker played) in <paramref name="microphonePath"/>
    /// (what the microphone took at the same time) and writes the result to <paramref name="outputPath"/> (48 kHz, mono).
    /// Files at other rates are resampled; stereo is mixed down.
    /// </summary>
    /// <param name="farPath">The played signal, a WAV file.</param>
    /// <param name="microphonePath">The recorded signal, a WAV file starting at the same moment.</param>
    /// <param name="outputPath">Where the cleaned microphone signal goes.</param>
    /// <param name="options">The chain's settings; <see cref="SpeechStage.Auto"/> counts as on here.</param>
    /// <exception cref="FileNotFoundException">An input file does not exist.</exception>
    /// <exception cref="InvalidDataException">An input is no WAV file this library reads.</exception>
    /// <exception cref="PlatformNotSupportedException">libspeexdsp is not installed; the message names the package.</exception>
    public static SpeechProcessingReport Run(string farPath, string microphonePath, string outputPath, SpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        float[] far = WavFileSource.ReadAll(farPath, 1);
        float[] mic = WavFileSource.ReadAll(microphonePath, 1);
        using var processor = new SpeechProcessor(
            AudioFormat.CallSampleRate, options.EchoCancellation != SpeechStage.Off, options, options.NoiseSuppression != SpeechStage.Off);
        int block = processor.BlockSamples, delay = processor.DelaySamples;
        int blocks = mic.Length / block;
        var output = new float[blocks * block];
        var played = new float[block];
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int b = 0; b < blocks; b++)
        {
            played.AsSpan().Clear();
            int start = b * block;
            if (start < far.Length)
            {
                far.AsSpan(start, Math.Min(block, far.Length - start)).CopyTo(played);
            }

            processor.Process(mic.AsSpan(start, block), played, output.AsSpan(start, block));
        }

        TimeSpan perTenMs = blocks == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(started) / (blocks * (double)block / TenMs);

        // Shifted back by the preprocessor's delay: the output lines up with the microphone, sample for sample.
        float[] aligned = output.Length > delay ? output[delay..] : [];
        using (var sink = new WavFileSink(outputPath, AudioFormat.Mono48k))
        {
            sink.Write(aligned, CancellationToken.None);
        }

        (double? erle, int measured) = Erle(far, mic, aligned, TenMs);
        return new SpeechProcessingReport(AudioFormat.Mono48k.DurationOf(blocks * block), erle, measured, AudioFormat.Mono48k.DurationOf(delay), perTenMs);
    }

    private static (double? Db, int Blocks) Erle(float[] far, float[] mic, float[] output, int block)
    {
        double micEnergy = 0, outEnergy = 0;
        int blocks = 0;
        int first = (int)(ConvergenceTime.TotalSeconds * AudioFormat.CallSampleRate) / block;
        double threshold = block * Math.Pow(10, FarEndActiveDbfs / 10);
        for (int b = first; (b + 1) * block <= Math.Min(output.Length, far.Length); b++)
        {
            if (Energy(far.AsSpan(b * block, block)) < threshold)
            {
                continue;
            }

            micEnergy += Energy(mic.AsSpan(b * block, block));
            outEnergy += Energy(output.AsSpan(b * block, block));
            blocks++;
        }

        return blocks == 0 ? (null, 0) : (10 * Math.Log10(micEnergy / Math.Max(outEnergy, 1e-12)), blocks);
    }

    private static double Energy(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (float s in samples)
        {
            sum += s * s;
        }

        return sum;
    }
}
