using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Hosting;

namespace InterCom.Core.Tests;

/// <summary>Two real sessions on real loopback UDP sockets, each sending its own tone.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class EndToEndTests
{
    /// <summary>Codec, frame, channels, and how close to the sent level (dB) the tone must arrive.</summary>
    public static TheoryData<AudioCodec, double, int, double> Calls => new()
    {
        { AudioCodec.Opus, 10, 1, 1.0 },
        { AudioCodec.Pcm, 10, 1, 1.0 },
        { AudioCodec.Pcm, 20, 2, 1.0 },   // the largest payload: 3840 bytes
        // The smallest frames. At the default 64 kb/s stereo a 2.5 ms frame is 20 bytes, and native
        // libopus 1.3.1 renders a steady pure tone 2.0 dB loud there (CELT's coarse energy quantisation;
        // 0.0 dB at 128 kb/s, at 5 and 10 ms, in mono, and with managed Concentus). Measured with both
        // implementations' encoder and decoder alone, so the codec's, not the call's.
        { AudioCodec.Opus, 2.5, 2, 2.5 },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Each_side_hears_the_other_tone_not_its_own(AudioCodec codec, double frameMs, int channels, double levelToleranceDb)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-e2e-").FullName;
        string wavA = Path.Combine(dir, "a.wav"), wavB = Path.Combine(dir, "b.wav");
        var options = new VoiceSessionOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Codec = new CodecOptions { Codec = codec, FrameDuration = TimeSpan.FromMilliseconds(frameMs) },
            Format = new AudioFormat(48_000, channels),
        };

        var a = new VoiceSession(options);
        var b = new VoiceSession(options);
        TimeSpan pausedBefore = GC.GetTotalPauseDuration();
        int gen2Before = GC.CollectionCount(2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double started = 0, waited = 0, stoppedA, elapsed;
        string machine = ""; // for a failure's message: what else held the process up

        try
        {
            a.Sender.AddPeer(b.LocalEndPoint);
            b.Sender.AddPeer(a.LocalEndPoint);
            a.Start(new ToneSource(440, a.Format), new WavFileSink(wavA, a.Format, WavSampleFormat.Float32));
            b.Start(new ToneSource(660, b.Format), new WavFileSink(wavB, b.Format, WavSampleFormat.Float32));
            started = clock.Elapsed.TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(2));
            waited = clock.Elapsed.TotalMilliseconds;
            machine = $"thread pool {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} items waiting";
        }
        finally
        {
            // Both senders first, so that neither sends to a socket the other has already closed.
            await a.Sender.StopAsync();
            stoppedA = clock.Elapsed.TotalMilliseconds;
            machine += $" (after A stopped: {ThreadPool.ThreadCount}, {ThreadPool.PendingWorkItemCount}); GC pauses {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms, {GC.CollectionCount(2) - gen2Before} full collections";
            await b.Sender.StopAsync();
            elapsed = clock.Elapsed.TotalMilliseconds; // how long they sent: awaits may come back late on a busy machine
            await a.DisposeAsync();
            await b.DisposeAsync();
        }

        // Final counters, both sides stopped: everything sent has been counted by the other side.
        var statsA = a.GetStatistics();
        var statsB = b.GetStatistics();

        float[] heardByA = SignalAnalysis.ReadWavMono(wavA);
        float[] heardByB = SignalAnalysis.ReadWavMono(wavB);
        AssertHears(heardByA, expected: 660, own: 440, $"A heard {statsA.Peers.SingleOrDefault()}", levelToleranceDb, statsA.Peers.Sum(p => p.FramesConcealed));
        AssertHears(heardByB, expected: 440, own: 660, $"B heard {statsB.Peers.SingleOrDefault()}", levelToleranceDb, statsB.Peers.Sum(p => p.FramesConcealed));

        foreach ((var receiver, var sender) in new[] { (statsA, statsB), (statsB, statsA) })
        {
            var peer = Assert.Single(receiver.Peers);
            Assert.True(peer.HasLeft); // the other side's BYE, sent when its sender stopped, ended its stream
            // Real-time audio for as long as the senders ran.
            Assert.True(
                peer.PacketsReceived * frameMs >= elapsed - 500 && peer.PacketsReceived * frameMs <= elapsed + 50,
                $"{peer.PacketsReceived} packets ({peer.PacketsReceived * frameMs:F0} ms) of {sender.PacketsSent} sent; started at {started:F0} ms, waited until {waited:F0}, A stopped at {stoppedA:F0}, B at {elapsed:F0}; lost {peer.PacketsLost}, late {peer.PacketsLate}; {machine}");
            Assert.Equal(0, peer.PacketsLost);
            Assert.Equal(0, peer.PacketsLate);
            Assert.Equal(0, peer.PacketsDuplicate);
            Assert.Equal(0, receiver.PacketsMalformed);
            Assert.InRange(peer.PacketsReceived, sender.PacketsSent - 2, sender.PacketsSent); // in flight at stop, at most
        }
    }

    /// <param name="heard">What the receiving end wrote.</param>
    /// <param name="expected">The other end's tone.</param>
    /// <param name="own">This end's tone, which must not be heard.</param>
    /// <param name="context">For a failure's message.</param>
    /// <param name="levelToleranceDb">How far from the sent level the tone may arrive.</param>
    /// <param name="concealedFrames">
    /// Frames the receiver says it concealed. Opus's concealment of a stall fades a pure tone below the
    /// silence threshold within two frames (measured: three frames concealed under a CPU stall left two at
    /// 9 % of the tone's level), so a quiet stretch is allowed where the receiver concealed, and no longer
    /// than what it concealed and a frame of fade-in; a frame of nothing anywhere else still fails.
    /// </param>
    internal static void AssertHears(float[] heard, double expected, double own, string context = "", double levelToleranceDb = 1.0, long concealedFrames = 0)
    {
        int start = SignalAnalysis.FirstSound(heard);
        Assert.True(start >= 0, "nothing was heard");
        Assert.InRange(start, 0, 48_000 / 2); // the other side is heard within 0.5 s of the start

        // From the first sound to the last (less 100 ms: the concealment that fades out when the other
        // side stops, possibly before this one): no silent gap of 10 ms or more.
        int end = SignalAnalysis.LastSound(heard) - 4800;
        var body = heard.AsSpan(start, Math.Max(0, end - start));
        Assert.True(body.Length > 48_000, $"only {body.Length} samples after the first sound");
        // "Silent": under 10 % of the tone's amplitude (0.025 RMS for the default 0.25 tone; Opus
        // concealment of a lost frame stays above it, a frame of nothing does not).
        int gap = SignalAnalysis.LongestSilence(body, 480, 0.1 * ToneSource.DefaultAmplitude, out int at);
        long allowed = concealedFrames == 0 ? 0 : (concealedFrames + 1) * 480;
        Assert.True(gap < 480 || gap <= allowed, $"a silent gap of {gap} samples at {start + at} (sound from {start} of {heard.Length}; {concealedFrames} frames concealed); {context}");

        var steady = body[4800..];
        double wanted = SignalAnalysis.MedianToneAmplitude(steady, expected);
        double unwanted = SignalAnalysis.MedianToneAmplitude(steady, own);
        Assert.InRange(SignalAnalysis.Decibels(wanted / ToneSource.DefaultAmplitude), -levelToleranceDb, levelToleranceDb);
        Assert.True(unwanted < wanted / 100, $"own tone at {unwanted:F4} vs {wanted:F4}");
    }

    [Fact]
    public async Task A_session_whose_output_nobody_reads_still_stops()
    {
        var session = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        session.AddPeer(session.LocalEndPoint); // hears itself: the playout thread has frames to write
        session.Start(new ToneSource(440, session.Format), sink: null);
        await Task.Delay(300); // the Output pipe fills and the playout thread waits on it

        Task disposed = session.DisposeAsync().AsTask();
        Assert.Same(disposed, await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(10))));
        await disposed;
    }

    [Fact]
    public async Task A_sending_only_session_whose_output_nobody_reads_still_reports_what_it_receives()
    {
        // The receiver reports (and with them the sender's rate control) do not depend on anyone reading
        // the receiving side's output: they used to run on the playout thread, which waits for that reader.
        await using var listener = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        await using var talker = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Peers = [listener.LocalEndPoint] });
        listener.AddPeer(talker.LocalEndPoint);
        listener.Start(source: null, sink: null); // nobody reads its Output
        talker.Start(new ToneSource(440, talker.Format), sink: null);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (talker.GetFlowControl().Rdp.ReportsReceived < 3 && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        Assert.True(talker.GetFlowControl().Rdp.ReportsReceived >= 3, $"{talker.GetFlowControl().Rdp.ReportsReceived} receiver reports reached the talker in {waited.Elapsed.TotalSeconds:F0} s");
        Assert.True(talker.GetStatistics().RoundTripMs > 0, "the reports carried the talker's sender reports back: a round-trip time");
    }
}
