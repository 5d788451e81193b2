using System.Net;
using System.Net.Sockets;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using InterCom.Core.Security;

namespace InterCom.Core.Tests;

/// <summary>Encrypted calls over real sockets, and what a live call does with hostile datagrams.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class SecureCallTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_encrypted_call_carries_both_tones_and_a_sender_with_the_wrong_key_is_never_heard()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-srtp-").FullName;
        SrtpMasterKey key = SrtpMasterKey.Generate();
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        var a = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = loopback, Key = key });
        var b = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = loopback, Key = key });
        var intruder = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = loopback, Key = SrtpMasterKey.Generate() });
        SessionStatistics statsA;
        try
        {
            a.AddPeer(b.LocalEndPoint);
            a.AddPeer(intruder.LocalEndPoint); // a peer by address, but without the key
            b.AddPeer(a.LocalEndPoint);
            intruder.AddPeer(a.LocalEndPoint);
            a.Start(new ToneSource(440, a.Format), new WavFileSink(Path.Combine(dir, "a.wav"), a.Format));
            b.Start(new ToneSource(660, b.Format), new WavFileSink(Path.Combine(dir, "b.wav"), b.Format));
            intruder.Start(new ToneSource(880, intruder.Format), null);
            _ = Drain(intruder);
            await Task.Delay(TimeSpan.FromSeconds(2.5));
        }
        finally
        {
            await intruder.DisposeAsync();
            await b.DisposeAsync();
            await a.DisposeAsync();
            statsA = a.GetStatistics();
        }

        float[] heardByA = SignalAnalysis.ReadWavMono(Path.Combine(dir, "a.wav"));
        float[] heardByB = SignalAnalysis.ReadWavMono(Path.Combine(dir, "b.wav"));
        Span<float> steadyA = heardByA.AsSpan(24_000, heardByA.Length - 48_000);
        Assert.True(SignalAnalysis.MedianToneAmplitude(steadyA, 660) > 0.2, "A did not hear B");
        Assert.True(SignalAnalysis.MedianToneAmplitude(heardByB.AsSpan(24_000, heardByB.Length - 48_000), 440) > 0.2, "B did not hear A");
        Assert.True(SignalAnalysis.MedianToneAmplitude(steadyA, 880) < 0.005, "A played the intruder");

        Assert.True(statsA.Encrypted);
        Assert.Single(statsA.Peers); // B only
        Assert.True(statsA.PacketsFailedAuthentication > 150, $"{statsA.PacketsFailedAuthentication} failed authentication");
        Assert.Equal(0, statsA.PacketsMalformed);
        Assert.Equal(0, statsA.PacketsReplayed);
        Assert.True(statsA.RoundTripMs > 0, "no SRTCP report came through"); // B's receiver reports about A's stream
    }

    [Fact]
    public async Task A_flood_of_random_datagrams_leaves_the_call_running_plays_nothing_and_is_all_counted()
    {
        const int PerSource = 50_000;
        SrtpMasterKey key = SrtpMasterKey.Generate();
        var a = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Key = key });
        var b = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Key = key });
        await using (a)
        await using (b)
        {
            a.AddPeer(b.LocalEndPoint);
            b.AddPeer(a.LocalEndPoint);
            var heard = new List<float>(48_000 * 30);
            a.Start(new ToneSource(440, a.Format), null);
            b.Start(new ToneSource(660, b.Format), null);
            _ = Drain(a, heard);
            _ = Drain(b);
            await Task.Delay(TimeSpan.FromSeconds(1));
            SessionStatistics before = a.GetStatistics();

            // Half from a stranger's address, half from the peer's own host (a spoofed or local attacker).
            using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            stranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            using var local = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            local.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var random = new Random(20261125);
            var datagram = new byte[300];
            int sent = 0;
            while (sent < 2 * PerSource)
            {
                // Bursts the receiver can take without the kernel dropping any, so that every datagram
                // must show up in a counter: wait for the counters to catch up before the next burst.
                for (int i = 0; i < 500; i++, sent++)
                {
                    int length = random.Next(0, datagram.Length);
                    random.NextBytes(datagram.AsSpan(0, length));
                    if (random.Next(4) == 0 && length >= 2)
                    {
                        datagram[0] = (byte)((datagram[0] & 0x3F) | 0x80); // version 2: get past the first check
                    }

                    (sent % 2 == 0 ? stranger : local).SendTo(datagram.AsSpan(0, length), SocketFlags.None, a.LocalEndPoint);
                }

                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (Rejected(a.GetStatistics()) - Rejected(before) < sent)
                {
                    Assert.True(waited.Elapsed < Timeout, $"{sent} sent, {Rejected(a.GetStatistics()) - Rejected(before)} accounted for");
                    await Task.Delay(5);
                }
            }

            SessionStatistics after = a.GetStatistics();
            Assert.Equal(2L * PerSource, Rejected(after) - Rejected(before)); // every one, exactly once
            Assert.Equal(PerSource, after.PacketsFromUnknownSources - before.PacketsFromUnknownSources);
            Assert.Single(after.Peers);                                        // nothing injected became a stream
            long receivedBefore = after.Peers[0].PacketsReceived;
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.True(a.GetStatistics().Peers[0].PacketsReceived - receivedBefore > 80, "the call stopped");
            float[] tail;
            lock (heard)
            {
                tail = heard.TakeLast(48_000).ToArray();
            }

            Assert.True(SignalAnalysis.MedianToneAmplitude(tail, 660) > 0.2, "B's tone is no longer heard after the flood");
        }
    }

    private static long Rejected(SessionStatistics s)
        => s.PacketsMalformed + s.PacketsFailedAuthentication + s.PacketsReplayed + s.PacketsFromUnknownSources + s.PacketsUnknownPayloadType;

    private static async Task Drain(VoiceSession session, List<float>? into = null)
    {
        System.IO.Pipelines.PipeReader reader = session.Receiver.Output;
        while (true)
        {
            System.IO.Pipelines.ReadResult result = await reader.ReadAsync();
            if (into is not null)
            {
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    float[] samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(segment.Span).ToArray();
                    lock (into)
                    {
                        into.AddRange(samples);
                    }
                }
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }
}
