using System.Diagnostics;

namespace InterCom.Core.Tests;

/// <summary>
/// Clean loopback calls on a busy machine: two <c>intercom call</c> processes (tones in, WAV out) while
/// busy loops load both cores and each call process in turn is stopped for 80 ms (the scheduler
/// taking the CPU away, as a loaded machine does now and then: its sender stops, and its playout
/// wakes late and catches up before its receive thread has placed what came meanwhile). A late read
/// must cost concealed frames, never silence.
/// </summary>
[Trait(Needs.Trait, Needs.Processes)]
public sealed class GapTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Window = 240;            // 5 ms
    private const double Silent = 0.00316;     // -50 dBFS RMS
    private const int Frame = 480;             // the call's 10 ms frame

    [Fact]
    public async Task Clean_loopback_calls_under_a_competing_load_have_no_silence_longer_than_a_frame()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-gaps-").FullName;
        var load = new List<Process>();
        try
        {
            for (int i = 0; i < Environment.ProcessorCount; i++)
            {
                load.Add(Process.Start("sh", ["-c", "while :; do :; done"]));
            }

            int portA = Ports.FreeUdp(), portB = Ports.FreeUdp();
            string[] common = ["--duration", "12", "--quiet"];
            using var a = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portA}", "--peer", $"127.0.0.1:{portB}", "--input", "tone:440",
                "--output", Path.Combine(dir, "a.wav"), "--stats-json", Path.Combine(dir, "a.json"), .. common]);
            using var b = IntercomProcess.Start(["call", "--listen", $"127.0.0.1:{portB}", "--peer", $"127.0.0.1:{portA}", "--input", "tone:660",
                "--output", Path.Combine(dir, "b.wav"), "--stats-json", Path.Combine(dir, "b.json"), .. common]);
            await Task.Delay(TimeSpan.FromSeconds(3)); // both calls running and heard
            for (int i = 0; i < 6; i++)
            {
                IntercomProcess stopped = i % 2 == 0 ? a : b;
                stopped.Signal("STOP");
                Thread.Sleep(80);
                stopped.Signal("CONT");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            Assert.Equal(0, await a.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await b.WaitAsync(TimeSpan.FromSeconds(30)));
            foreach (string name in new[] { "a", "b" })
            {
                float[] heard = SignalAnalysis.ReadWavMono(Path.Combine(dir, $"{name}.wav"));
                int start = SignalAnalysis.FirstSound(heard), end = SignalAnalysis.LastSound(heard) - 4800; // the fade when the other side stops
                Assert.True(start >= 0 && end - start > 8 * 48_000, $"{name}: sound only from {start} to {end}");
                int gap = SignalAnalysis.LongestSilence(heard.AsSpan(start, end - start), Window, Silent, out int at);
                output.WriteLine($"{name}: longest silence {gap / 48.0:F0} ms at {(start + at) / 48_000.0:F2} s; {File.ReadAllText(Path.Combine(dir, $"{name}.json")).Length} bytes of statistics");
                Assert.True(gap <= Frame, $"{name}.wav: {gap / 48.0:F0} ms below -50 dBFS at {(start + at) / 48_000.0:F2} s");
            }
        }
        finally
        {
            foreach (Process p in load)
            {
                p.Kill();
                p.Dispose();
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
