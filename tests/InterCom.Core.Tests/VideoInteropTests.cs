using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterCom.Core.Rtp;
using InterCom.Core.Video;

namespace InterCom.Core.Tests;

/// <summary>
/// GStreamer as the independent VP8 peer, both ways: its vp8enc ! rtpvp8pay stream is decoded by
/// <c>intercom call --video-out</c>, and what <c>intercom call --video testsrc</c> sends is decoded by its
/// rtpvp8depay ! vp8dec, the frame numbers stamped in our pattern reading back in order.
/// </summary>
[Trait(Needs.Trait, Needs.GStreamer)]
[Trait(Needs.Trait, Needs.Processes)]
[Collection(RealTimeCollection.Name)]
public sealed class VideoInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Intercom_decodes_what_a_gstreamer_vp8_sender_sends()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-gst-vp8-in-").FullName;
        int port = Ports.FreeUdp();
        string y4m = Path.Combine(dir, "heard.y4m"), reference = Path.Combine(dir, "reference.y4m"), json = Path.Combine(dir, "stats.json");
        using var call = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{port}", "--peer", $"127.0.0.1:{Ports.FreeUdp()}", "--input", "tone:440", "--output", Path.Combine(dir, "heard.wav"),
             "--video-out", y4m, "--duration", "6", "--quiet", "--stats-json", json]);
        await Task.Delay(TimeSpan.FromSeconds(0.5)); // listening before GStreamer sends

        (int code, string log) = await GStreamerInteropTests.GstLaunchAsync(
            "videotestsrc pattern=smpte75 num-buffers=90 is-live=true ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 " +
            "! vp8enc deadline=1 lag-in-frames=0 end-usage=cbr target-bitrate=500000 cpu-used=8 keyframe-max-dist=30 " +
            $"! rtpvp8pay pt=97 picture-id-mode=15-bit mtu=1200 ! udpsink host=127.0.0.1 port={port}");
        Assert.True(code == 0, log);
        (code, log) = await GStreamerInteropTests.GstLaunchAsync(
            $"videotestsrc pattern=smpte75 num-buffers=1 ! video/x-raw,format=I420,width=320,height=240 ! y4menc ! filesink location={reference}");
        Assert.True(code == 0, log);
        Assert.Equal(0, await call.WaitAsync(Timeout));

        using JsonDocument stats = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement video = stats.RootElement.GetProperty("video");
        // The first keyframe may fall to the new source's probation; GStreamer's next one is 30 frames on.
        Assert.True(video.GetProperty("framesDecoded").GetInt64() >= 50, video.ToString());
        using var heard = new Y4mFileSource(y4m);
        using var sent = new Y4mFileSource(reference);
        Assert.Equal((320, 240), (heard.Format.Width, heard.Format.Height));
        var ours = new VideoFrame(320, 240);
        var theirs = new VideoFrame(320, 240);
        Assert.True(heard.Read(ours, CancellationToken.None));
        Assert.True(sent.Read(theirs, CancellationToken.None));
        double psnr = LumaPsnr(ours, theirs);
        Assert.True(psnr > 30, $"the decoded colour bars at {psnr:F1} dB PSNR against GStreamer's source");
    }

    [Fact]
    public async Task Gstreamer_decodes_what_intercom_sends_and_the_frame_numbers_read_back_in_order()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-gst-vp8-out-").FullName;
        int gstPort = Ports.FreeUdp();
        // udpsrc takes one payload type: only our VP8 packets go on to GStreamer (not the audio, not RTCP).
        using var filter = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int filterPort = ((IPEndPoint)filter.Client.LocalEndPoint!).Port;
        using var stop = new CancellationTokenSource();
        Task forwarding = ForwardVideoAsync(filter, new IPEndPoint(IPAddress.Loopback, gstPort), stop.Token);
        string y4m = Path.Combine(dir, "gst.y4m");
        // GStreamer listens first: it sends no PLI, so a keyframe it misses is one it waits 5 s for.
        var gst = GStreamerInteropTests.GstLaunchAsync(
            $"udpsrc port={gstPort} caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=97\" " +
            $"! rtpjitterbuffer latency=100 ! rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=I420 ! y4menc ! filesink buffer-mode=unbuffered location={y4m}",
            runFor: TimeSpan.FromSeconds(5.5));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using var call = IntercomProcess.Start(
            ["call", "--listen", $"127.0.0.1:{Ports.FreeUdp()}", "--peer", $"127.0.0.1:{filterPort}", "--input", "tone:440",
             "--output", Path.Combine(dir, "unused.wav"), "--video", "testsrc", "--duration", "8", "--quiet"]);

        (int code, string log) = await gst;
        Assert.True(code == 0 && !log.Contains("ERROR", StringComparison.Ordinal), log);
        call.Interrupt();
        Assert.Equal(0, await call.WaitAsync(Timeout));
        await stop.CancelAsync();
        await forwarding;

        using (var decoded = new Y4mFileSource(y4m))
        {
            Assert.Equal((640, 360), (decoded.Format.Width, decoded.Format.Height));
        }

        uint[] numbers = FrameStamp.ReadFrameNumbers(y4m);
        Assert.True(numbers.Length >= 60, $"GStreamer decoded {numbers.Length} stamped frames");
        for (int i = 1; i < numbers.Length; i++)
        {
            Assert.True(numbers[i] > numbers[i - 1], $"frame {numbers[i]} after {numbers[i - 1]}");
        }
    }

    private static async Task ForwardVideoAsync(UdpClient socket, IPEndPoint to, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                UdpReceiveResult datagram = await socket.ReceiveAsync(cancellationToken);
                if (!RtpHeader.IsRtcp(datagram.Buffer) && datagram.Buffer.Length > 12 && (datagram.Buffer[1] & 0x7F) == 97)
                {
                    await socket.SendAsync(datagram.Buffer, to, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The test is over.
        }
    }

    private static double LumaPsnr(VideoFrame a, VideoFrame b)
    {
        double sum = 0;
        ReadOnlySpan<byte> x = a.Y, y = b.Y;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - y[i];
            sum += d * d;
        }

        double mse = Math.Max(sum / x.Length, 1e-9);
        return 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
