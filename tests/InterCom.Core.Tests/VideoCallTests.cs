using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;
using InterCom.Core.Hosting;
using InterCom.Core.Testing;
using InterCom.Core.Video;

namespace InterCom.Core.Tests;

/// <summary>Video calls between two real sessions on loopback UDP, with libvpx, through the impairment relay when it matters.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class VideoCallTests
{
    private static VoiceSessionOptions Options(Security.SrtpMasterKey? key = null) => new()
    {
        ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        Video = new VideoOptions { Format = VideoFormat.Default },
        Key = key,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_side_receives_the_others_test_pattern_in_order(bool encrypted)
    {
        string dir = Directory.CreateTempSubdirectory("intercom-video-").FullName;
        Security.SrtpMasterKey? key = encrypted ? Security.SrtpMasterKey.Generate() : null;
        var a = new VoiceSession(Options(key));
        var b = new VoiceSession(Options(key));
        var sinkA = new Y4mFileSink(Path.Combine(dir, "a.y4m"));
        var sinkB = new Y4mFileSink(Path.Combine(dir, "b.y4m"));
        SessionStatistics statsA, statsB;
        try
        {
            a.AddPeer(b.LocalEndPoint);
            b.AddPeer(a.LocalEndPoint);
            a.Start(new ToneSource(440, a.Format), null, new TestPatternSource(VideoFormat.Default), sinkA);
            b.Start(new ToneSource(660, b.Format), null, new TestPatternSource(VideoFormat.Default), sinkB);
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            statsA = a.GetStatistics();
            statsB = b.GetStatistics();
            await a.DisposeAsync();
            await b.DisposeAsync();
        }

        foreach ((SessionStatistics stats, string file) in new[] { (statsA, "a.y4m"), (statsB, "b.y4m") })
        {
            VideoStatistics video = stats.Video!;
            Assert.True(video.FramesSent >= 60, $"{file}: {video}");
            Assert.True(video.FramesDecoded >= 60, $"{file}: {video}");
            Assert.Equal(0, video.FramesOutOfOrder);
            Assert.Equal(0, stats.PacketsFailedAuthentication);
            Assert.NotNull(video.GlassToGlassP50Ms);
            uint[] numbers = FrameStamp.ReadFrameNumbers(Path.Combine(dir, file));
            Assert.True(numbers.Length >= 60, $"{file}: {numbers.Length} frames");
            for (int i = 1; i < numbers.Length; i++)
            {
                // In order; a frame the encoder's rate control skipped leaves a gap.
                Assert.True(numbers[i] > numbers[i - 1], $"{file}: frame {numbers[i]} after {numbers[i - 1]}");
            }
        }
    }
    [Fact]
    public async Task In_a_mesh_each_end_writes_a_file_per_peer_with_its_frames_in_order()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-video-mesh-").FullName;
        VoiceSession[] ends = [new(Options()), new(Options()), new(Options())];
        var sinks = new Y4mFileSink[3];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                foreach (VoiceSession other in ends.Where(e => e != ends[i]))
                {
                    ends[i].AddPeer(other.LocalEndPoint);
                }
            }

            for (int i = 0; i < 3; i++)
            {
                sinks[i] = new Y4mFileSink(Path.Combine(dir, $"end{i}.y4m"));
                ends[i].Start(new ToneSource(440 + (110 * i), ends[i].Format), null, new TestPatternSource(VideoFormat.Default), sinks[i]);
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            foreach (VoiceSession end in ends)
            {
                await end.DisposeAsync();
            }
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal([Path.Combine(dir, $"end{i}.y4m"), Path.Combine(dir, $"end{i}-2.y4m")], sinks[i].Files);
            foreach (string file in sinks[i].Files)
            {
                uint[] numbers = FrameStamp.ReadFrameNumbers(file);
                Assert.True(numbers.Length >= 50, $"{file}: {numbers.Length} frames");
                Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.Second > p.First), $"{file}: out of order");
            }
        }
    }

    [Fact]
    public async Task Lost_packets_are_asked_for_again_and_their_frames_decode()
    {
        // 10 % seeded loss each way: NACKs cross the relay too, and some are lost as well.
        var impairment = new NetworkImpairment { LossPercent = 10, Seed = 7 };
        await using var receiver = new VoiceSession(Options());
        using var relay = new ImpairedRelay(new IPEndPoint(IPAddress.Loopback, 0), receiver.LocalEndPoint, impairment) { ReturnImpairment = impairment };
        await using var sender = new VoiceSession(Options() with { Peers = [relay.LocalEndPoint] });
        receiver.AddPeer(new IPEndPoint(IPAddress.Loopback, relay.ForwardingPort));
        receiver.Start(null, null, null, null);
        sender.Start(null, null, new TestPatternSource(VideoFormat.Default), null);
        await Task.Delay(TimeSpan.FromSeconds(4));
        VideoStatistics sent = sender.GetStatistics().Video!, received = receiver.GetStatistics().Video!;

        Assert.True(relay.Forwarded.Lost > 0, $"the relay lost nothing of {relay.Forwarded.Received}");
        Assert.True(received.NacksSent > 0, $"{received}");
        Assert.True(sent.PacketsRetransmitted > 0, $"{sent}");
        Assert.True(received.PacketsRecovered > 0, $"{received}");
        // Most frames survive: a frame is lost only when a packet and its retransmissions all are.
        Assert.True(received.FramesDecoded >= sent.FramesSent * 8 / 10, $"decoded {received.FramesDecoded} of {sent.FramesSent}: {received}");
        Assert.Equal(0, received.FramesOutOfOrder);
    }

    [Fact]
    public async Task A_receiver_that_missed_the_keyframe_asks_for_one_and_then_decodes()
    {
        int port = Ports.FreeUdp();
        await using var sender = new VoiceSession(Options() with { Peers = [new IPEndPoint(IPAddress.Loopback, port)] });
        sender.Start(null, null, new TestPatternSource(VideoFormat.Default), null);
        await Task.Delay(TimeSpan.FromSeconds(0.5)); // the first keyframe goes to a port nobody has yet

        await using var receiver = new VoiceSession(Options() with { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port), Peers = [sender.LocalEndPoint] });
        receiver.Start(null, null, null, null);
        await Task.Delay(TimeSpan.FromSeconds(2)); // well inside the 5 s keyframe interval: only a PLI brings one
        VideoStatistics sent = sender.GetStatistics().Video!, received = receiver.GetStatistics().Video!;

        Assert.True(received.KeyframesRequested >= 1, $"{received}");
        Assert.True(sent.KeyframesSent >= 2, $"{sent}");
        Assert.True(received.FramesDropped >= 1, $"frames before the keyframe are dropped: {received}");
        Assert.True(received.FramesDecoded >= 30, $"{received}");
    }

    [Fact]
    public async Task A_session_without_video_refuses_a_video_source()
    {
        await using var session = new VoiceSession(new VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        using var source = new TestPatternSource(VideoFormat.Default);
        ArgumentException e = Assert.Throws<ArgumentException>(() => session.Start(null, null, source, null));
        Assert.Contains("VoiceSessionOptions.Video", e.Message, StringComparison.Ordinal);
    }
}
