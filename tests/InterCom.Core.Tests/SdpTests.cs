using InterCom.Core.WebRtc;

namespace InterCom.Core.Tests;

/// <summary>SDP offers as Chromium writes them, read; and the answers this end gives.</summary>
public sealed class SdpTests
{
    // Chromium's shape (issue 18's notes): audio with Opus 111 first, video with VP8, a data channel; extmaps, ssrc lines and the rest.
    private const string ChromiumOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
        "a=group:BUNDLE 0 1 2\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=candidate:1467250027 1 udp 2122260223 192.168.1.5 46243 typ host generation 0 network-id 1\r\n" +
        "a=candidate:broken\r\n" +
        "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:ED:96:86:00:39\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv\r\na=msid:stream track0\r\na=rtcp-mux\r\n" +
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
        "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n" +
        "a=ssrc:3735928559 cname:abcdefgh\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" +
        "a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:ED:96:86:00:39\r\n" +
        "a=setup:actpass\r\na=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" +
        "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:98 VP9/90000\r\n" +
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n";

    [Fact]
    public void A_chromium_offer_is_read_for_what_a_call_needs_and_its_malformed_and_unknown_lines_are_skipped()
    {
        SessionDescription offer = SessionDescription.Parse(ChromiumOffer);
        Assert.Equal(["0", "1", "2"], offer.Bundle);
        Assert.Equal(["audio", "video", "application"], offer.Media.Select(m => m.Kind));
        SdpMedia audio = offer.Media[0];
        Assert.Equal(("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1", "actpass", "0", "sendrecv", true), (audio.IceUfrag, audio.IcePwd, audio.Setup, audio.Mid, audio.Direction, audio.RtcpMux));
        Assert.StartsWith("sha-256 D1:2C:", audio.Fingerprint, StringComparison.Ordinal);
        SdpCodec opus = Assert.IsType<SdpCodec>(audio.Find("OPUS", 48_000));
        Assert.Equal((111, 2, "minptime=10;useinbandfec=1"), (opus.PayloadType, opus.Channels, opus.Parameters));
        SdpCandidate host = Assert.Single(audio.Candidates); // the broken one is skipped
        Assert.Equal(("udp", "192.168.1.5", 46243, "host", 2122260223u), (host.Transport, host.Address, host.Port, host.Type, host.Priority));
        Assert.Equal(96, offer.Media[1].Find("vp8", 90_000)!.PayloadType);
    }

    [Fact]
    public void The_answer_takes_opus_refuses_video_without_a_video_call_and_the_data_channel_and_is_the_dtls_server()
    {
        SessionDescription offer = SessionDescription.Parse(ChromiumOffer);
        var candidate = new SdpCandidate("1", 1, "udp", 2130706431, "127.0.0.1", 40000, "host");
        string text = SdpWriter.Answer(offer, new AnswerSettings("abcd", "0123456789abcdef012345", "sha-256 AA:BB", [candidate]));
        SessionDescription answer = SessionDescription.Parse(text);

        Assert.Equal(["0"], answer.Bundle);
        Assert.Equal(3, answer.Media.Count); // every offered section answered, in order
        SdpMedia audio = answer.Media[0];
        Assert.Equal((9, "passive", "abcd", "sha-256 AA:BB", "sendrecv", true), (audio.Port, audio.Setup, audio.IceUfrag, audio.Fingerprint, audio.Direction, audio.RtcpMux));
        Assert.Equal([111], audio.Formats);
        Assert.Equal("minptime=10;useinbandfec=1", audio.Find("opus", 48_000)!.Parameters);
        Assert.Equal(candidate, Assert.Single(audio.Candidates));
        Assert.Equal((0, "1"), (answer.Media[1].Port, answer.Media[1].Mid));
        Assert.Equal([96, 97, 98], answer.Media[1].Formats); // the refused section echoes its formats
        Assert.Equal(0, answer.Media[2].Port);
    }

    [Fact]
    public void With_video_the_answer_takes_vp8_in_the_same_bundle()
    {
        SessionDescription offer = SessionDescription.Parse(ChromiumOffer.Replace("a=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize", "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize", StringComparison.Ordinal));
        SessionDescription answer = SessionDescription.Parse(SdpWriter.Answer(offer, new AnswerSettings("abcd", "0123456789abcdef012345", "sha-256 AA:BB", [], Video: true)));
        Assert.Equal(["0", "1"], answer.Bundle);
        Assert.Equal([96], answer.Media[1].Formats);
        Assert.Equal("sendonly", answer.Media[1].Direction);
    }

    [Fact]
    public void Our_offer_reads_back_and_answering_it_takes_both_media_with_the_roles_settled()
    {
        var settings = new AnswerSettings("wxyz", "0123456789abcdef012345", "sha-256 CC:DD", [new SdpCandidate("2", 1, "udp", 2130706431, "127.0.0.1", 40002, "host")], Video: true);
        SessionDescription offer = SessionDescription.Parse(SdpWriter.Offer(settings));
        Assert.Equal(["0", "1"], offer.Bundle);
        Assert.All(offer.Media, m => Assert.Equal(("actpass", "wxyz", true, "sendrecv"), (m.Setup, m.IceUfrag, m.RtcpMux, m.Direction)));
        Assert.Equal(111, offer.Media[0].Find("opus", 48_000)!.PayloadType);
        Assert.Equal(97, offer.Media[1].Find("VP8", 90_000)!.PayloadType);

        SessionDescription answer = SessionDescription.Parse(SdpWriter.Answer(offer, settings with { IceUfrag = "abcd" }));
        Assert.Equal(["0", "1"], answer.Bundle);
        Assert.All(answer.Media, m => Assert.Equal(("passive", "abcd"), (m.Setup, m.IceUfrag)));
    }

    [Theory]
    [InlineData("not sdp at all", "no v= line")]
    [InlineData("v=0\r\ns=-\r\n", "no media section")]
    public void What_is_not_an_offer_is_refused_with_a_reason(string sdp, string reason)
        => Assert.Contains(reason, Assert.Throws<FormatException>(() => SessionDescription.Parse(sdp)).Message, StringComparison.Ordinal);

    [Fact]
    public void An_offer_without_opus_over_dtls_gets_no_answer()
    {
        string plain = ChromiumOffer.Replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 speex/48000", StringComparison.Ordinal);
        FormatException refused = Assert.Throws<FormatException>(() => SdpWriter.Answer(SessionDescription.Parse(plain), new AnswerSettings("a", "b", "c", [])));
        Assert.Contains("no audio section with Opus", refused.Message, StringComparison.Ordinal);
    }
}
