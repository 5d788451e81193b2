using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace InterCom.Cli;

/// <summary>Parses <c>[ADDR:]PORT</c> and <c>HOST:PORT</c> (IPv6 in brackets: <c>[::1]:5004</c>).</summary>
internal static class EndPoints
{
    public static IPEndPoint ParseListen(string text, string option)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return new IPEndPoint(IPAddress.IPv6Any, CheckPort(port, text, option)); // every IPv4 and IPv6 address
        }

        (string host, int p) = Split(text, option);
        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            throw new UsageException($"--{option} '{text}': '{host}' is not an IP address (use PORT, ADDR:PORT or [IPV6]:PORT).");
        }

        return new IPEndPoint(address, p);
    }

    public static IPEndPoint ParsePeer(string text, string option)
    {
        (string host, int port) = Split(text, option);
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            IPAddress[] addresses = Dns.GetHostAddresses(host);
            IPAddress? chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null
                ? throw new UsageException($"--{option} '{text}': '{host}' has no address.")
                : new IPEndPoint(chosen, port);
        }
        catch (SocketException e)
        {
            throw new UsageException($"--{option} '{text}': cannot resolve '{host}' ({e.Message}).");
        }
    }

    private static (string Host, int Port) Split(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new UsageException($"--{option} '{text}' must be HOST:PORT (IPv6 as [ADDR]:PORT).");
        }

        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            throw new UsageException($"--{option} '{text}': write an IPv6 address in brackets, e.g. [::1]:5004.");
        }

        string portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new UsageException($"--{option} '{text}': '{portText}' is not a port number.");
        }

        return (host, CheckPort(port, text, option));
    }

    private static int CheckPort(int port, string text, string option)
        => port is > 0 and <= 65535 ? port : throw new UsageException($"--{option} '{text}': port must be 1..65535.");
}
