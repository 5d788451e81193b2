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
public sealed class WebRtcSessionTests
{
    [Fact]
    public async Task An_offer_and_an_answer_connect_two_sessions_that_then_carry_srtp_audio_both_ways()
    {
        using var a = new End(controlling: true);
        using var b = new End(controlling: false);
        SessionDescription offer = SessionDescription.Parse(SdpWriter.Offer(a.WebRtc.Describe()));
        SessionDescription answer = SessionDescription.Parse(SdpWriter.Answer(offer, b.WebRtc.Describe()));
        Assert.Equal("passive", answer.Media[0].Setup); // the answerer is the DTLS server
        b.WebRtc.SetRemote(offer, dtlsServer: true);
        a.WebRtc.SetRemote(answer, dtlsServer: false);

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

    /// <summary>A socket, its WebRTC transport, the session it keys, and a receiving half on it.</summary>
    private sealed class End : IDisposable
    {
        private readonly IAudioEncoder _encoder = AudioCodecFactory.CreateEncoder(AudioFormat.Mono48k, new CodecOptions());
        private readonly ToneSource _tone = new(440, AudioFormat.Mono48k);
        private readonly RtpPacketizer _packetizer;
        private readonly byte[] _packet = new byte[1500];
        private readonly float[] _pcm = new float[480];

        public End(bool controlling)
        {
            Socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance);
            WebRtc = new WebRtcTransport(Socket, controlling, DtlsCertificate.Generate());
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
