using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace InterCom.Core.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "UDP send failed ({Error}); further failures are only counted")]
    public static partial void SendFailed(ILogger logger, SocketError error, Exception exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "UDP receive loop stopped on an error")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);
}
