using InterCom.Core.Audio;
using InterCom.Core.Codecs;
using InterCom.Core.Jitter;
using InterCom.Core.Pipelines;
using InterCom.Core.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InterCom.Core.Tests;

/// <summary>
/// A receiving end with no socket: an <see cref="RtpSession"/> over a <see cref="RecordingTransport"/>
/// and the receiving half on it. Datagrams go in through <see cref="Session"/>'s OnDatagram; what the
/// session sends (reports, BYE) is in <see cref="Transport"/>.
/// </summary>
internal sealed class ReceiveRig : IAsyncDisposable
{
    public ReceiveRig(CodecOptions codec, RtpSessionOptions? session = null, JitterBufferOptions? jitter = null, ILogger? logger = null)
    {
        RtpSessionOptions options = session ?? new RtpSessionOptions { HearAnySource = true };
        Session = new RtpSession(Transport, options, logger ?? NullLogger.Instance);
        Receiver = new ReceiveDecodePlay(Session, AudioFormat.Mono48k, codec, jitter ?? new JitterBufferOptions(), logger ?? NullLogger.Instance, time: options.Time);
    }

    public RecordingTransport Transport { get; } = new();

    public RtpSession Session { get; }

    public ReceiveDecodePlay Receiver { get; }

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        Session.Dispose();
    }
}
