using System.Net;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Hosting;

internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Call started on {LocalEndPoint} with {PeerCount} peer(s)")]
    public static partial void Started(ILogger logger, IPEndPoint localEndPoint, int peerCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Call stopped")]
    public static partial void Stopped(ILogger logger);
}
