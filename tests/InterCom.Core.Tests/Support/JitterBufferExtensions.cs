using System.Net;
using InterCom.Core.Diagnostics;
using InterCom.Core.Jitter;

namespace InterCom.Core.Tests;

/// <summary>A lone buffer's statistics, as if its sender were at the loopback's port 5004.</summary>
internal static class JitterBufferExtensions
{
    public static readonly IPEndPoint Sender = new(IPAddress.Loopback, 5004);

    public static PeerStatistics GetStatistics(this JitterBuffer buffer) => buffer.GetStatistics(Sender);
}
