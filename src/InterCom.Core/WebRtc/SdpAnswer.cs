using System.Globalization;
using System.Text;

namespace InterCom.Core.WebRtc;

/// <summary>What this end puts in an answer besides what the offer dictates.</summary>
/// <param name="IceUfrag">This end's ICE username fragment.</param>
/// <param name="IcePwd">This end's ICE password.</param>
/// <param name="Fingerprint">This end's DTLS certificate fingerprint, "sha-256 AB:…".</param>
/// <param name="Candidates">This end's candidates.</param>
/// <param name="Video">Whether the call sends and takes VP8 video (a video section is refused otherwise).</param>
internal sealed record AnswerSettings(string IceUfrag, string IcePwd, string Fingerprint, IReadOnlyList<SdpCandidate> Candidates, bool Video = false);

/// <summary>
/// The answer to a browser's offer (JSEP, RFC 8829): audio as Opus 48000/2 with in-band FEC, video as
/// VP8 when the call has it, every other section refused (port 0); one BUNDLE transport with
/// rtcp-mux; this end the DTLS server when the offer leaves it open. What the offer proposes is
/// answered with its own payload types.
/// </summary>
internal static class SdpAnswer
{
    /// <summary>Writes the answer to <paramref name="offer"/>.</summary>
    /// <exception cref="FormatException">The offer has no section this end can take (no Opus audio), no ICE credentials or no fingerprint: nothing to call with.</exception>
    public static string Create(SessionDescription offer, AnswerSettings settings)
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
        text.Append("v=0\r\n").Append(c, $"o=- {Random.Shared.NextInt64(1, long.MaxValue)} 2 IN IP4 127.0.0.1\r\n").Append("s=-\r\nt=0 0\r\n");
        string[] bundle = [.. accepted.Select(a => a.Offered.Mid).OfType<string>()];
        if (bundle.Length > 0)
        {
            text.Append("a=group:BUNDLE ").AppendJoin(' ', bundle).Append("\r\n");
        }

        foreach (SdpMedia m in offer.Media)
        {
            (SdpMedia Offered, SdpCodec Codec)? taken = accepted.Find(a => a.Offered == m) is { Offered: not null } found ? found : null;
            if (taken is not { } answer)
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

            SdpCodec codec = answer.Codec;
            text.Append(c, $"m={m.Kind} 9 {m.Protocol} {codec.PayloadType}\r\n").Append("c=IN IP4 0.0.0.0\r\n");
            text.Append(c, $"a=ice-ufrag:{settings.IceUfrag}\r\na=ice-pwd:{settings.IcePwd}\r\n");
            text.Append(c, $"a=fingerprint:{settings.Fingerprint}\r\n");
            text.Append(c, $"a=setup:{(m.Setup == "passive" ? "active" : "passive")}\r\n");
            if (m.Mid is not null)
            {
                text.Append(c, $"a=mid:{m.Mid}\r\n");
            }

            text.Append(c, $"a={Reverse(m.Direction)}\r\n").Append("a=rtcp-mux\r\n");
            text.Append(c, $"a=rtpmap:{codec.PayloadType} {codec.Name}/{codec.ClockRate}{(m.Kind == "audio" ? "/2" : "")}\r\n");
            if (m.Kind == "audio")
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

        return text.ToString();
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
