using System.Net;
using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Pipelines;
using InterCom.Core.Rtp;
using InterCom.Core.Security.Dtls;
using InterCom.Core.Sessions;
using InterCom.Core.Transport;
using InterCom.Core.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Tests;

/// <summary>
/// Two RTP sessions keyed the WebRTC way on their own sockets: an SDP offer and answer, ICE checks
/// between the host candidates, DTLS-SRTP over the same ports, then Opus both ways, and nothing in the
/// clear before the keys.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class WebRtcSessionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task An_offer_and_an_answer_connect_two_sessions_that_then_carry_srtp_audio_both_ways()
    {
        using var a = new End();
        using var b = new End();
        SessionDescription offer = SessionDescription.Parse(SdpWriter.Offer(a.WebRtc.Describe()));
        SessionDescription answer = SessionDescription.Parse(SdpWriter.Answer(offer, b.WebRtc.Describe()));
        Assert.Equal("passive", answer.Media[0].Setup); // the answerer is the DTLS server
        b.WebRtc.SetRemote(offer, controlling: false, dtlsServer: true);
        a.WebRtc.SetRemote(answer, controlling: true, dtlsServer: false);

        a.Send(20); // before the keys: nothing goes out
        a.WebRtc.Start();
        b.WebRtc.Start();
        IPEndPoint bSeen = await a.WebRtc.Connected.WaitAsync(TimeSpan.FromSeconds(20));
        IPEndPoint aSeen = await b.WebRtc.Connected.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(b.Socket.LocalEndPoint, bSeen);
        Assert.Equal(a.Socket.LocalEndPoint, aSeen);
        Assert.Empty(b.Receiver.GetPeerStatistics());

        a.Session.AddPeer(bSeen);
        b.Session.AddPeer(aSeen);
        a.Send(50);
        b.Send(50);
        for (int i = 0; i < 100 && !(b.Receiver.GetPeerStatistics() is [{ PacketsReceived: 50 }] && a.Receiver.GetPeerStatistics() is [{ PacketsReceived: 50 }]); i++)
        {
            await Task.Delay(20); // the receive threads take them
        }

        long atB = Assert.Single(b.Receiver.GetPeerStatistics()).PacketsReceived;
        long atA = Assert.Single(a.Receiver.GetPeerStatistics()).PacketsReceived;
        Assert.Equal(50, atB);
        Assert.Equal(50, atA);
        Assert.Equal(0, a.Session.Dropped(DropReason.FailedAuthentication) + b.Session.Dropped(DropReason.FailedAuthentication));
        Assert.Equal(Security.SrtpProfile.AesCm128HmacSha1_80, a.WebRtc.Srtp!.Profile);
    }

    [Fact]
    public async Task Two_webrtc_voice_sessions_connect_by_offer_and_answer_and_hear_each_others_tone()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-webrtc-").FullName;
        var options = new Hosting.VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), WebRtc = true };
        await using var a = new Hosting.VoiceSession(options);
        await using var b = new Hosting.VoiceSession(options);
        a.Start(new ToneSource(440, AudioFormat.Mono48k), new WavFileSink(Path.Combine(dir, "a.wav"), AudioFormat.Mono48k));
        b.Start(new ToneSource(660, AudioFormat.Mono48k), new WavFileSink(Path.Combine(dir, "b.wav"), AudioFormat.Mono48k));
        var setUp = System.Diagnostics.Stopwatch.StartNew();
        a.AcceptAnswer(b.AnswerOffer(a.CreateOffer()));
        await Task.WhenAll(a.Connection, b.Connection).WaitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"offer to both ends keyed: {setUp.Elapsed.TotalMilliseconds:F0} ms (ICE and the DTLS handshake)");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Diagnostics.SessionStatistics statsA = a.GetStatistics(), statsB = b.GetStatistics();
        await a.DisposeAsync();
        await b.DisposeAsync();

        Assert.True(statsA.Encrypted && statsB.Encrypted);
        Assert.Equal(0, statsA.PacketsFailedAuthentication + statsB.PacketsFailedAuthentication);
        float[] heardA = SignalAnalysis.ReadWavMono(Path.Combine(dir, "a.wav")), heardB = SignalAnalysis.ReadWavMono(Path.Combine(dir, "b.wav"));
        double b660AtA = SignalAnalysis.MedianToneAmplitude(heardA.AsSpan(heardA.Length - 48_000), 660);
        double a440AtB = SignalAnalysis.MedianToneAmplitude(heardB.AsSpan(heardB.Length - 48_000), 440);
        Assert.True(b660AtA > 0.15 && a440AtB > 0.15, $"A hears B's 660 Hz at {b660AtA:F3}, B hears A's 440 Hz at {a440AtB:F3} (sent at 0.25)");
    }

    [Fact]
    public async Task A_webrtc_session_takes_no_peers_key_or_pcm_and_a_plain_one_no_offer()
    {
        var webrtc = new Hosting.VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), WebRtc = true };
        Assert.Throws<ArgumentException>(() => (webrtc with { Peers = [new IPEndPoint(IPAddress.Loopback, 5004)] }).Validate());
        Assert.Throws<ArgumentException>(() => (webrtc with { Key = Security.SrtpMasterKey.Generate() }).Validate());
        Assert.Throws<ArgumentException>(() => (webrtc with { Codec = new CodecOptions { Codec = AudioCodec.Pcm } }).Validate());
        await using var plain = new Hosting.VoiceSession(new Hosting.VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        Assert.Contains("not a WebRTC one", Assert.Throws<InvalidOperationException>(() => plain.CreateOffer()).Message, StringComparison.Ordinal);
    }

    /// <summary>A socket, its WebRTC transport, the session it keys, and a receiving half on it.</summary>
    private sealed class End : IDisposable
    {
        private readonly IAudioEncoder _encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, new CodecOptions());
        private readonly ToneSource _tone = new(440, AudioFormat.Mono48k);
        private readonly RtpPacketizer _packetizer;
        private readonly byte[] _packet = new byte[1500];
        private readonly float[] _pcm = new float[480];

        public End()
        {
            Socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance);
            WebRtc = new WebRtcTransport(Socket, DtlsCertificate.Generate());
            Session = new RtpSession(Socket, new RtpSessionOptions { Keying = WebRtc }, NullLogger.Instance);
            Receiver = new ReceiveDecodePlay(Session, AudioFormat.Mono48k, new CodecOptions(), new JitterBufferOptions(), NullLogger.Instance);
            _packetizer = new RtpPacketizer(111, Session.Ssrc);
            Socket.StartReceiving(Session, "webrtc test");
        }

        public UdpTransport Socket { get; }

        public WebRtcTransport WebRtc { get; }

        public RtpSession Session { get; }

        public ReceiveDecodePlay Receiver { get; }

        /// <summary>Sends <paramref name="frames"/> 10 ms Opus frames of the tone through the session.</summary>
        public void Send(int frames)
        {
            for (int i = 0; i < frames; i++)
            {
                _ = _tone.Read(_pcm, CancellationToken.None);
                int payload = _encoder.Encode(_pcm, _packet.AsSpan(RtpHeader.FixedSize, 1000));
                _packetizer.WriteHeader(_packet, 480);
                Session.SendRtp(_packet, RtpHeader.FixedSize + payload);
            }
        }

        public void Dispose()
        {
            Receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Session.Dispose();
            WebRtc.Dispose();
            Socket.Dispose();
            _encoder.Dispose();
        }
    }
}
