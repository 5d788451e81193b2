using System.Net;
using System.Net.Sockets;

namespace InterCom.Core.Tests;

/// <summary>Loopback ports for tests that start real endpoints.</summary>
internal static class Ports
{
    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago (bound, then released).</summary>
    public static int FreeUdp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port on loopback that was free a moment ago (for a test's HTTP server).</summary>
    public static int FreeTcp()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
