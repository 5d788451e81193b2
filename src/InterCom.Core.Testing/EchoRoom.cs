using System.Diagnostics;
using InterCom.Core.Audio;

namespace InterCom.Core.Testing;

/// <summary>
/// A synthetic room for echo-cancellation scenes, at 48 kHz mono: what a loudspeaker plays reaches the
/// microphone after a bulk delay, through a decaying train of 41 reflections over 150 ms, with steady
/// noise at −50 dBFS on top; speech comes from espeak-ng (Debian package <c>espeak-ng</c>).
/// </summary>
public static class EchoRoom
{
    /// <summary>A paragraph for the far end: about 12 s of speech.</summary>
    public const string FarText =
        "The north wind and the sun were disputing which was the stronger, when a traveller came along wrapped in a warm cloak. " +
        "They agreed that the one who first succeeded in making the traveller take his cloak off should be considered stronger than the other.";

    /// <summary>A sentence for the near end, in another voice: about 4 s of speech.</summary>
    public const string NearText = "Then the north wind blew as hard as he could, but the more he blew the more closely did the traveller fold his cloak around him.";

    /// <summary>Speech spoken by espeak-ng (voice e.g. <c>en</c>, <c>en+f3</c>), at 48 kHz mono.</summary>
    /// <exception cref="InvalidOperationException">espeak-ng is not installed; the message names the package.</exception>
    public static float[] Speak(string text, string voice = "en")
    {
        string path = Path.Combine(Path.GetTempPath(), $"intercom-espeak-{Guid.NewGuid():N}.wav");
        var info = new ProcessStartInfo("espeak-ng", ["-v", voice, "-w", path, text]) { RedirectStandardError = true };
        try
        {
            using Process process = Process.Start(info) ?? throw new InvalidOperationException("espeak-ng did not start.");
            string error = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(60_000) || process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed: {error}");
            }

            return WavFileSource.ReadAll(path, 1); // 22 050 Hz, resampled to 48 kHz on reading
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("espeak-ng is not installed: 'sudo apt-get install espeak-ng'.", e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The room's impulse response: a first path of gain <paramref name="gain"/> after <paramref name="bulkDelay"/>, then 40 reflections decaying by 30 dB over 150 ms, random in sign.</summary>
    public static float[] ImpulseResponse(TimeSpan bulkDelay, double gain = 0.5, int seed = 1)
    {
        var random = new Random(seed);
        int bulk = (int)(bulkDelay.TotalSeconds * AudioFormat.CallSampleRate);
        int span = (int)(0.15 * AudioFormat.CallSampleRate);
        var response = new float[bulk + span + 1];
        response[bulk] = (float)gain;
        for (int k = 1; k <= 40; k++)
        {
            int at = bulk + (k * span / 40) - random.Next(0, span / 80);
            response[at] += (float)(gain * 0.8 * Math.Pow(10, -30.0 * k / 40 / 20) * (random.Next(2) == 0 ? -1 : 1));
        }

        return response;
    }

    /// <summary>What the microphone takes: <paramref name="played"/> through <paramref name="response"/>, plus <paramref name="near"/> from <paramref name="nearStart"/> samples on, plus noise at −50 dBFS.</summary>
    public static float[] Microphone(float[] played, float[] response, float[]? near = null, int nearStart = 0, int seed = 2)
    {
        var mic = new float[played.Length];
        for (int t = 0; t < response.Length; t++)
        {
            float h = response[t];
            if (h == 0)
            {
                continue;
            }

            for (int i = t; i < mic.Length; i++)
            {
                mic[i] += h * played[i - t];
            }
        }

        if (near is not null)
        {
            for (int i = 0; i < near.Length && nearStart + i < mic.Length; i++)
            {
                mic[nearStart + i] += near[i];
            }
        }

        var random = new Random(seed);
        double noise = Math.Pow(10, -50 / 20.0) * Math.Sqrt(3); // uniform noise of that RMS
        for (int i = 0; i < mic.Length; i++)
        {
            mic[i] += (float)(((random.NextDouble() * 2) - 1) * noise);
        }

        return mic;
    }

    /// <summary>Writes mono 48 kHz samples as a 32-bit float WAV file.</summary>
    public static void Write(string path, float[] samples)
    {
        using var sink = new WavFileSink(path, AudioFormat.Mono48k, WavSampleFormat.Float32);
        sink.Write(samples, CancellationToken.None);
    }
}
