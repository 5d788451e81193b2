using System.Globalization;
using System.Text;

namespace InterCom.Core.WebRtc;

/// <summary>What this end puts in an offer or answer: its ICE credentials and candidates, its fingerprint, and whether it has video.</summary>
/// <param name="IceUfrag">This end's ICE username fragment.</param>
/// <param name="IcePwd">This end's ICE password.</param>
/// <param name="Fingerprint">This end's DTLS certificate fingerprint, "sha-256 AB:…".</param>
/// <param name="Candidates">This end's candidates.</param>
/// <param name="Video">Whether the call sends and takes VP8 video (a video section is refused otherwise).</param>
internal sealed record AnswerSettings(string IceUfrag, string IcePwd, string Fingerprint, IReadOnlyList<SdpCandidate> Candidates, bool Video = false);

/// <summary>
/// This end's SDP (JSEP, RFC 8829). An offer: audio as Opus 48000/2 with in-band FEC (payload type
/// 111) and, with video, VP8 (97), one BUNDLE transport with rtcp-mux, DTLS role left to the answerer
/// (actpass). An answer to an offer: the same media in the offer's own payload types, every other
/// section refused (port 0), this end the DTLS server when the offer leaves it open.
/// </summary>
internal static class SdpWriter
{
    /// <summary>This end's offer.</summary>
    public static string Offer(AnswerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = new StringBuilder();
        Header(text, settings.Video ? ["0", "1"] : ["0"]);
        Section(text, "audio", "UDP/TLS/RTP/SAVPF", new SdpCodec(111, "opus", 48_000, 2, ""), settings, "actpass", "0", "sendrecv");
        if (settings.Video)
        {
            Section(text, "video", "UDP/TLS/RTP/SAVPF", new SdpCodec(Rtp.Vp8Payload.DefaultPayloadType, "VP8", 90_000, 1, ""), settings, "actpass", "1", "sendrecv");
        }

        return text.ToString();
    }

    /// <summary>This end's answer to <paramref name="offer"/>.</summary>
    /// <exception cref="FormatException">The offer has no section this end can take (no Opus audio), no ICE credentials or no fingerprint: nothing to call with.</exception>
    public static string Answer(SessionDescription offer, AnswerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(settings);
        var accepted = new List<(SdpMedia Offered, SdpCodec Codec)>();
        foreach (SdpMedia m in offer.Media)
        {
            if (Accept(m, settings) is { } codec)
            {
                accepted.Add((m, codec));
            }
        }

        if (!accepted.Any(a => a.Offered.Kind == "audio"))
        {
            throw new FormatException("The offer has no audio section with Opus (opus/48000/2), SRTP over DTLS and rtcp-mux: there is nothing to answer.");
        }

        SdpMedia first = accepted[0].Offered;
        if (first.IceUfrag is null || first.IcePwd is null || first.Fingerprint is null)
        {
            throw new FormatException("The offer has no ICE credentials or no DTLS fingerprint.");
        }

        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        Header(text, [.. accepted.Select(a => a.Offered.Mid).OfType<string>()]);
        foreach (SdpMedia m in offer.Media)
        {
            int taken = accepted.FindIndex(a => a.Offered == m);
            if (taken < 0)
            {
                // Refused: port 0, the offer's formats echoed (RFC 8866 section 5.14, RFC 3264 section 6).
                text.Append(c, $"m={m.Kind} 0 {m.Protocol} ").AppendJoin(' ', m.Formats.Count > 0 ? m.Formats.Select(f => f.ToString(c)) : ["0"]).Append("\r\n");
                text.Append("c=IN IP4 0.0.0.0\r\n");
                if (m.Mid is not null)
                {
                    text.Append(c, $"a=mid:{m.Mid}\r\n");
                }

                continue;
            }

            Section(text, m.Kind, m.Protocol, accepted[taken].Codec, settings, m.Setup == "passive" ? "active" : "passive", m.Mid, Reverse(m.Direction));
        }

        return text.ToString();
    }

    private static void Header(StringBuilder text, string[] bundle)
    {
        text.Append("v=0\r\n").Append(CultureInfo.InvariantCulture, $"o=- {Random.Shared.NextInt64(1, long.MaxValue)} 2 IN IP4 127.0.0.1\r\n").Append("s=-\r\nt=0 0\r\n");
        if (bundle.Length > 0)
        {
            text.Append("a=group:BUNDLE ").AppendJoin(' ', bundle).Append("\r\n");
        }
    }

    /// <summary>One media section this end takes: its codec, ICE and DTLS attributes, candidates.</summary>
    private static void Section(StringBuilder text, string kind, string protocol, SdpCodec codec, AnswerSettings settings, string setup, string? mid, string direction)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Append(c, $"m={kind} 9 {protocol} {codec.PayloadType}\r\n").Append("c=IN IP4 0.0.0.0\r\n");
        text.Append(c, $"a=ice-ufrag:{settings.IceUfrag}\r\na=ice-pwd:{settings.IcePwd}\r\n");
        text.Append(c, $"a=fingerprint:{settings.Fingerprint}\r\n");
        text.Append(c, $"a=setup:{setup}\r\n");
        if (mid is not null)
        {
            text.Append(c, $"a=mid:{mid}\r\n");
        }

        text.Append(c, $"a={direction}\r\n").Append("a=rtcp-mux\r\n");
        text.Append(c, $"a=rtpmap:{codec.PayloadType} {codec.Name}/{codec.ClockRate}{(kind == "audio" ? "/2" : "")}\r\n");
        if (kind == "audio")
        {
            text.Append(c, $"a=fmtp:{codec.PayloadType} minptime=10;useinbandfec=1\r\n");
        }
        else
        {
            text.Append(c, $"a=rtcp-fb:{codec.PayloadType} nack\r\na=rtcp-fb:{codec.PayloadType} nack pli\r\na=rtcp-fb:{codec.PayloadType} ccm fir\r\n");
        }

        foreach (SdpCandidate candidate in settings.Candidates)
        {
            text.Append(c, $"a={candidate}\r\n");
        }

        text.Append("a=end-of-candidates\r\n");
    }

    /// <summary>The codec this end takes from a section, or <see langword="null"/> to refuse it.</summary>
    private static SdpCodec? Accept(SdpMedia m, AnswerSettings settings)
    {
        bool secure = m.Protocol.Contains("TLS/RTP/SAVP", StringComparison.OrdinalIgnoreCase);
        if (m.Port == 0 || !secure || !m.RtcpMux)
        {
            return null;
        }

        return m.Kind switch
        {
            "audio" => m.Find("opus", 48_000),
            "video" when settings.Video => m.Find("VP8", 90_000),
            _ => null,
        };
    }

    /// <summary>The answer's direction for the offer's (RFC 3264 section 6.1).</summary>
    private static string Reverse(string offered) => offered switch
    {
        "sendonly" => "recvonly",
        "recvonly" => "sendonly",
        "inactive" => "inactive",
        _ => "sendrecv",
    };
}
