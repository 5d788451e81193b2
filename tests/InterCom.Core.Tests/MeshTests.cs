using System.Net;
using System.Text.Json;
using InterCom.Core.Audio;
using InterCom.Core.Hosting;

namespace InterCom.Core.Tests;

/// <summary>Many-to-many: every endpoint sends to all others and plays the mix of what it receives.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class MeshTests
{
    private static readonly double[] Tones = [300, 500, 700, 900];

    [Fact]
    public async Task Four_endpoints_each_hear_the_other_three_equally_and_not_themselves()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-mesh-").FullName;
        var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        VoiceSession[] sessions = [.. Tones.Select(_ => new VoiceSession(options))];
        try
        {
            foreach (VoiceSession a in sessions)
            {
                foreach (VoiceSession b in sessions.Where(b => b != a))
                {
                    a.AddPeer(b.LocalEndPoint);
                }
            }

            for (int i = 0; i < sessions.Length; i++)
            {
                sessions[i].Start(new ToneSource(Tones[i], sessions[i].Format), new WavFileSink(Path.Combine(dir, $"{i}.wav"), sessions[i].Format));
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            foreach (VoiceSession s in sessions)
            {
                await s.Sender.StopAsync();
            }

            foreach (VoiceSession s in sessions)
            {
                await s.DisposeAsync();
            }
        }

        for (int i = 0; i < sessions.Length; i++)
        {
            AssertHearsOthers(SignalAnalysis.ReadWavMono(Path.Combine(dir, $"{i}.wav")), own: Tones[i], others: [.. Tones.Where((_, j) => j != i)]);
            var stats = sessions[i].GetStatistics();
            Assert.Equal(3, stats.Peers.Count);
            Assert.All(stats.Peers, p => Assert.Equal(0, p.PacketsLost));
        }

        // One encode, three sends: each of the other three received a third of what this one sent.
        for (int i = 0; i < sessions.Length; i++)
        {
            long sent = sessions[i].GetStatistics().PacketsSent;
            Assert.Equal(0, sent % 3);
            foreach (VoiceSession other in sessions.Where(s => s != sessions[i]))
            {
                var fromI = Assert.Single(other.GetStatistics().Peers, p => p.EndPoint.Equals(sessions[i].LocalEndPoint));
                Assert.InRange(fromI.PacketsReceived, (sent / 3) - 2, sent / 3);
            }
        }
    }

    [Fact]
    public async Task A_peer_that_leaves_is_no_longer_heard_the_others_go_on_without_a_gap_and_it_is_heard_again_when_it_rejoins()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-mesh-").FullName;
        var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var a = new VoiceSession(options);
        await using var b = new VoiceSession(options);
        var c = new VoiceSession(options);
        IPEndPoint cAddress = c.LocalEndPoint;
        foreach ((VoiceSession x, VoiceSession y) in new[] { (a, b), (b, a), (c, a), (c, b) })
        {
            x.AddPeer(y.LocalEndPoint);
        }

        a.AddPeer(cAddress);
        b.AddPeer(cAddress);
        string wavA = Path.Combine(dir, "a.wav");
        var clock = System.Diagnostics.Stopwatch.StartNew(); // A's WAV runs on this clock (its playout is paced from its start)
        a.Start(new ToneSource(300, a.Format), new WavFileSink(wavA, a.Format));
        b.Start(new ToneSource(500, b.Format), new WavFileSink(Path.Combine(dir, "b.wav"), b.Format));
        c.Start(new ToneSource(700, c.Format), new WavFileSink(Path.Combine(dir, "c.wav"), c.Format));

        // The events' times are taken from the clock, not assumed from the delays: on a busy machine an
        // await may come back hundreds of milliseconds late.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        double left = clock.Elapsed.TotalSeconds;
        await c.DisposeAsync(); // leaves: BYE to A and B
        var afterLeave = a.GetStatistics();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        double rejoined = clock.Elapsed.TotalSeconds;

        double ended;
        var c2 = new VoiceSession(options with { ListenEndPoint = cAddress }); // comes back on the same address
        await using (c2)
        {
            c2.AddPeer(a.LocalEndPoint);
            c2.AddPeer(b.LocalEndPoint);
            c2.Start(new ToneSource(700, c2.Format), new WavFileSink(Path.Combine(dir, "c2.wav"), c2.Format));
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            ended = clock.Elapsed.TotalSeconds;
            await a.Sender.StopAsync();
            await b.Sender.StopAsync();
            await c2.Sender.StopAsync();
        }

        await a.DisposeAsync();
        float[] heard = SignalAnalysis.ReadWavMono(wavA);
        double Level(double tone, double from, double to)
            => SignalAnalysis.MedianToneAmplitude(heard.AsSpan((int)(from * 48_000), (int)((to - from) * 48_000)), tone);

        double full = ToneSource.DefaultAmplitude;
        string times = $"C left at {left:F2} s, rejoined at {rejoined:F2} s, the senders stopped at {ended:F2} s";
        Assert.InRange(Level(700, 0.6, left - 0.1), 0.7 * full, 1.3 * full);           // C is heard ...
        Assert.True(Level(700, left + 0.3, rejoined - 0.1) < 0.02 * full, times);       // ... not after it left ...
        Assert.InRange(Level(700, rejoined + 0.7, ended - 0.2), 0.7 * full, 1.3 * full); // ... and again after it rejoined
        Assert.InRange(Level(500, 0.6, ended - 0.2), 0.7 * full, 1.3 * full);           // B throughout

        // B's tone never drops out while C leaves and rejoins: in every 10 ms window it is present.
        int end = (int)((ended - 0.2) * 48_000);
        for (int i = (int)(0.6 * 48_000); i + 480 <= end; i += 480)
        {
            Assert.True(SignalAnalysis.ToneAmplitude(heard.AsSpan(i, 480), 500) > 0.3 * full, $"B's tone dropped at {i / 48_000.0:F2} s; {times}; A heard: {a.GetStatistics()}");
        }

        Assert.Contains(afterLeave.Peers, p => p.EndPoint.Equals(cAddress) && p.HasLeft); // its decoder released at once, on BYE
        Assert.Equal(1, afterLeave.Peers.Count(p => !p.HasLeft));
        var final = a.GetStatistics();
        Assert.True(final.PeersLeft >= 2);
        Assert.Equal(2, final.Peers.Count(p => p.EndPoint.Equals(cAddress))); // the first stream (left) and the second
    }

    [Fact]
    public async Task Gain_and_mute_apply_per_peer_while_the_call_runs()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-mesh-").FullName;
        var options = new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Codec = new Codecs.CodecOptions { Codec = Codecs.AudioCodec.Pcm } };
        await using var a = new VoiceSession(options);
        await using var b = new VoiceSession(options);
        await using var c = new VoiceSession(options);
        b.AddPeer(a.LocalEndPoint);
        c.AddPeer(a.LocalEndPoint);
        a.AddPeer(b.LocalEndPoint); // a hears only its peers (it sends nothing: no source)
        a.AddPeer(c.LocalEndPoint);
        string wav = Path.Combine(dir, "a.wav");
        a.Start(null, new WavFileSink(wav, a.Format));
        b.Start(new ToneSource(500, b.Format), null);
        c.Start(new ToneSource(700, c.Format), null);
        _ = DrainAsync(b.Receiver.Output);
        _ = DrainAsync(c.Receiver.Output);
        await Task.Delay(TimeSpan.FromSeconds(1));
        // Where the change falls in the recording: the file is written through (16-bit mono), so its
        // length now says what was mixed so far, however late this continuation ran.
        double changedAt = (new FileInfo(wav).Length - 44) / 2 / 48_000.0;
        a.Receiver.SetPeerGain(b.LocalEndPoint, 0.5f);
        a.Receiver.SetPeerMuted(c.LocalEndPoint, true);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await a.DisposeAsync();

        float[] heard = SignalAnalysis.ReadWavMono(wav);
        double Level(double tone, double from, double to)
            => SignalAnalysis.MedianToneAmplitude(heard.AsSpan((int)(from * 48_000), (int)((to - from) * 48_000)), tone);
        double full = ToneSource.DefaultAmplitude;
        Assert.InRange(changedAt, 0.9, 2.5);
        Assert.InRange(Level(500, changedAt - 0.6, changedAt - 0.1), 0.95 * full, 1.05 * full);
        Assert.InRange(Level(700, changedAt - 0.6, changedAt - 0.1), 0.95 * full, 1.05 * full);
        Assert.InRange(Level(500, changedAt + 0.3, changedAt + 0.9), 0.45 * full, 0.55 * full); // -6 dB
        Assert.InRange(Level(700, changedAt + 0.3, changedAt + 0.9), 0, 0.01 * full);           // muted
        Assert.Equal(2, a.GetStatistics().Peers.Count(p => p.PacketsReceived > 150)); // a muted peer is still received
    }

    private static async Task DrainAsync(System.IO.Pipelines.PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    [Fact]
    [Trait(Needs.Trait, Needs.Processes)]
    public async Task Four_call_processes_form_a_mesh()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-mesh-cli-").FullName;
        int[] ports = [.. Tones.Select(_ => Ports.FreeUdp())];
        var processes = new List<IntercomProcess>();
        try
        {
            for (int i = 0; i < Tones.Length; i++)
            {
                var args = new List<string> { "call", "--listen", $"127.0.0.1:{ports[i]}", "--input", $"tone:{Tones[i]}", "--duration", "5", "--quiet",
                    "--output", Path.Combine(dir, $"{i}.wav"), "--stats-json", Path.Combine(dir, $"{i}.json") };
                foreach (int port in ports.Where(p => p != ports[i]))
                {
                    args.AddRange(["--peer", $"127.0.0.1:{port}"]);
                }

                processes.Add(IntercomProcess.Start(args));
            }

            foreach (IntercomProcess process in processes)
            {
                Assert.True(await process.WaitAsync(TimeSpan.FromSeconds(60)) == 0, process.StandardError);
            }
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
        }

        for (int i = 0; i < Tones.Length; i++)
        {
            float[] heard = SignalAnalysis.ReadWavMono(Path.Combine(dir, $"{i}.wav"));
            // The processes start up to ~1 s apart and stop likewise: judge the middle, where all four run.
            AssertHearsOthers(heard.AsSpan((int)(1.5 * 48_000), 2 * 48_000).ToArray(), own: Tones[i], others: [.. Tones.Where((_, j) => j != i)]);
            using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"{i}.json")));
            Assert.Equal(3, stats.RootElement.GetProperty("peers").GetArrayLength());
        }
    }

    private static void AssertHearsOthers(float[] heard, double own, double[] others)
    {
        double[] levels = [.. others.Select(f => SignalAnalysis.MedianToneAmplitude(heard, f))];
        double loudest = levels.Max(), quietest = levels.Min();
        Assert.True(quietest > 0.5 * ToneSource.DefaultAmplitude, $"tones {string.Join(", ", others)} at {string.Join(", ", levels.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.InRange(SignalAnalysis.Decibels(loudest / quietest), 0, 3);
        Assert.True(SignalAnalysis.MedianToneAmplitude(heard, own) < quietest / 30, $"its own {own} Hz is heard");
    }
}
