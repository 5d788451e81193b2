using System.Globalization;

namespace InterCom.Core.WebRtc;

/// <summary>One codec a media section offers: <c>a=rtpmap:PT NAME/RATE[/CHANNELS]</c> and its <c>a=fmtp</c>.</summary>
/// <param name="PayloadType">The dynamic (or static) payload type.</param>
/// <param name="Name">The encoding name as written (compared without regard to case).</param>
/// <param name="ClockRate">The RTP clock rate.</param>
/// <param name="Channels">The channels (audio), 1 when not written.</param>
/// <param name="Parameters">The fmtp line's parameters, or empty.</param>
internal sealed record SdpCodec(int PayloadType, string Name, int ClockRate, int Channels, string Parameters);

/// <summary>One candidate line (RFC 8839 section 5.1): what ICE needs of it.</summary>
/// <param name="Foundation">Its foundation.</param>
/// <param name="Component">1 (RTP; RTCP rides on it with rtcp-mux).</param>
/// <param name="Transport">"udp" or "tcp", lower case.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Address">An address, or a name (mDNS: ".local").</param>
/// <param name="Port">Its port.</param>
/// <param name="Type">host, srflx, prflx or relay.</param>
internal sealed record SdpCandidate(string Foundation, int Component, string Transport, uint Priority, string Address, int Port, string Type)
{
    /// <summary>Parses the value after <c>a=candidate:</c> (or the whole trickled line); <see langword="null"/> when it is not one.</summary>
    public static SdpCandidate? Parse(string value)
    {
        string text = value.StartsWith("candidate:", StringComparison.OrdinalIgnoreCase) ? value[10..] : value;
        string[] f = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 8 || !f[6].Equals("typ", StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int component)
            || !uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint priority)
            || !int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
        {
            return null;
        }

        return new SdpCandidate(f[0], component, f[2].ToLowerInvariant(), priority, f[4], port, f[7].ToLowerInvariant());
    }

    /// <summary>The line's value, <c>candidate:…</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"candidate:{Foundation} {Component} {Transport} {Priority} {Address} {Port} typ {Type}");
}

/// <summary>One m= section of an offer or answer: what a call needs of it.</summary>
internal sealed class SdpMedia
{
    /// <summary>"audio", "video", "application", …</summary>
    public required string Kind { get; init; }

    /// <summary>The m= line's port (0: rejected, or bundled-only).</summary>
    public int Port { get; init; }

    /// <summary>The m= line's protocol, e.g. UDP/TLS/RTP/SAVPF.</summary>
    public string Protocol { get; init; } = "";

    /// <summary>The payload types in the m= line's order (its order of preference).</summary>
    public List<int> Formats { get; } = [];

    public List<SdpCodec> Codecs { get; } = [];

    public List<SdpCandidate> Candidates { get; } = [];

    public string? Mid { get; set; }

    public string? IceUfrag { get; set; }

    public string? IcePwd { get; set; }

    public string? Fingerprint { get; set; }

    /// <summary>actpass, active or passive.</summary>
    public string? Setup { get; set; }

    /// <summary>sendrecv, sendonly, recvonly or inactive (sendrecv when not written).</summary>
    public string Direction { get; set; } = "sendrecv";

    public bool RtcpMux { get; set; }

    /// <summary>The first codec named <paramref name="name"/> at <paramref name="clockRate"/>, in the offer's order of preference.</summary>
    public SdpCodec? Find(string name, int clockRate)
        => Formats.Select(pt => Codecs.FirstOrDefault(c => c.PayloadType == pt)).FirstOrDefault(c => c is not null && c.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && c.ClockRate == clockRate);
}

/// <summary>
/// An SDP offer or answer (RFC 8866) read as JSEP writes it: the session's ICE and DTLS attributes,
/// BUNDLE, and per m= section its codecs, candidates, mid, direction and setup. Lines it does not
/// know, and malformed ones, are skipped, never fatal.
/// </summary>
internal sealed class SessionDescription
{
    public List<SdpMedia> Media { get; } = [];

    /// <summary>The mids of <c>a=group:BUNDLE</c>.</summary>
    public List<string> Bundle { get; } = [];

    /// <summary>Whether <c>a=ice-lite</c> was given.</summary>
    public bool IceLite { get; private set; }

    /// <summary>Reads an SDP; throws only when it has no m= section at all (no call to make).</summary>
    /// <exception cref="FormatException">No <c>v=</c> line or no media section.</exception>
    public static SessionDescription Parse(string sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        var result = new SessionDescription();
        string? ufrag = null, pwd = null, fingerprint = null, setup = null;
        SdpMedia? media = null;
        bool version = false;
        foreach (string raw in sdp.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length < 2 || line[1] != '=')
            {
                continue;
            }

            string value = line[2..];
            switch (line[0])
            {
                case 'v':
                    version = true;
                    break;
                case 'm':
                    media = ParseMediaLine(value);
                    if (media is not null)
                    {
                        result.Media.Add(media);
                    }

                    break;
                case 'a':
                    Attribute(result, media, value, ref ufrag, ref pwd, ref fingerprint, ref setup);
                    break;
                default:
                    break;
            }
        }

        if (!version || result.Media.Count == 0)
        {
            throw new FormatException(version ? "The SDP has no media section." : "Not an SDP: no v= line.");
        }

        foreach (SdpMedia m in result.Media)
        {
            // Session-level values stand for every section that does not give its own.
            m.IceUfrag ??= ufrag;
            m.IcePwd ??= pwd;
            m.Fingerprint ??= fingerprint;
            m.Setup ??= setup;
        }

        return result;
    }

    private static SdpMedia? ParseMediaLine(string value)
    {
        string[] f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 3 || !int.TryParse(f[1].Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return null;
        }

        var media = new SdpMedia { Kind = f[0].ToLowerInvariant(), Port = port, Protocol = f[2] };
        foreach (string format in f.Skip(3))
        {
            if (int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out int pt) && pt <= 127)
            {
                media.Formats.Add(pt);
            }
        }

        return media;
    }

    private static void Attribute(SessionDescription sdp, SdpMedia? media, string value, ref string? ufrag, ref string? pwd, ref string? fingerprint, ref string? setup)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? value : value[..colon];
        string rest = colon < 0 ? "" : value[(colon + 1)..].Trim();
        switch (name.ToLowerInvariant())
        {
            case "group" when rest.StartsWith("BUNDLE", StringComparison.OrdinalIgnoreCase):
                sdp.Bundle.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1));
                break;
            case "ice-lite":
                sdp.IceLite = true;
                break;
            case "ice-ufrag":
                if (media is null) { ufrag = rest; } else { media.IceUfrag = rest; }
                break;
            case "ice-pwd":
                if (media is null) { pwd = rest; } else { media.IcePwd = rest; }
                break;
            case "fingerprint":
                if (media is null) { fingerprint = rest; } else { media.Fingerprint = rest; }
                break;
            case "setup":
                if (media is null) { setup = rest.ToLowerInvariant(); } else { media.Setup = rest.ToLowerInvariant(); }
                break;
            case "mid" when media is not null:
                media.Mid = rest;
                break;
            case "rtcp-mux" when media is not null:
                media.RtcpMux = true;
                break;
            case "sendrecv" or "sendonly" or "recvonly" or "inactive" when media is not null:
                media.Direction = name.ToLowerInvariant();
                break;
            case "candidate" when media is not null:
                if (SdpCandidate.Parse(rest) is { } candidate)
                {
                    media.Candidates.Add(candidate);
                }

                break;
            case "rtpmap" when media is not null:
                if (Rtpmap(rest) is { } codec)
                {
                    media.Codecs.Add(codec);
                }

                break;
            case "fmtp" when media is not null:
                string[] parts = rest.Split(' ', 2);
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pt)
                    && media.Codecs.FindIndex(c => c.PayloadType == pt) is var at and >= 0)
                {
                    media.Codecs[at] = media.Codecs[at] with { Parameters = parts[1].Trim() };
                }

                break;
            default:
                break; // extmap, ssrc, msid, rtcp-fb and the rest: not needed, not fatal
        }
    }

    /// <summary><c>PT NAME/RATE[/CHANNELS]</c>.</summary>
    private static SdpCodec? Rtpmap(string value)
    {
        string[] parts = value.Split(' ', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pt) || pt > 127)
        {
            return null;
        }

        string[] encoding = parts[1].Trim().Split('/');
        if (encoding.Length < 2 || !int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out int rate) || rate <= 0)
        {
            return null;
        }

        int channels = encoding.Length > 2 && int.TryParse(encoding[2], NumberStyles.None, CultureInfo.InvariantCulture, out int c) ? c : 1;
        return new SdpCodec(pt, encoding[0], rate, channels, "");
    }
}
