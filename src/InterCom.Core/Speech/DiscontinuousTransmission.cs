using InterCom.Core.Codecs;

namespace InterCom.Core.Speech;

/// <summary>What the sender does with one frame under discontinuous transmission.</summary>
internal enum TransmitDecision
{
    /// <summary>Encode and send it.</summary>
    Audio,

    /// <summary>Silence: send an RFC 3389 comfort noise payload in its place.</summary>
    ComfortNoise,

    /// <summary>Silence: send nothing.</summary>
    Nothing,
}

/// <summary>
/// Discontinuous transmission on the sending side: the <see cref="VoiceActivityDetector"/> decides per
/// frame; while the end is silent, nothing is sent but a comfort noise payload at the start of the
/// silence and every <see cref="RefreshInterval"/> (the receiver's noise stays current, and the stream
/// alive). Allocation-free.
/// </summary>
internal sealed class DiscontinuousTransmission
{
    /// <summary>How often a silent sender refreshes its comfort noise.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(400);

    private readonly VoiceActivityDetector _activity;
    private readonly ComfortNoiseAnalyzer _noise;
    private readonly int _refreshFrames;
    private int _silentFrames = -1; // frames into the current silence; -1 while sending audio
    private long _framesSuppressed;

    public DiscontinuousTransmission(TimeSpan frameDuration, int channels)
    {
        _activity = new VoiceActivityDetector(frameDuration);
        _noise = new ComfortNoiseAnalyzer(channels);
        _refreshFrames = Math.Max(1, (int)Math.Round(RefreshInterval / frameDuration));
    }

    /// <summary>Frames not sent as audio because the end was silent (comfort noise sent in place of some).</summary>
    public long FramesSuppressed => Volatile.Read(ref _framesSuppressed);

    /// <summary>Takes the next frame; what to send for it.</summary>
    public TransmitDecision Next(ReadOnlySpan<float> frame)
    {
        bool send = _activity.Next(frame);
        if (!_activity.LastFrameActive)
        {
            _noise.Add(frame);
        }

        if (send)
        {
            _silentFrames = -1;
            return TransmitDecision.Audio;
        }

        Volatile.Write(ref _framesSuppressed, _framesSuppressed + 1);
        return ++_silentFrames % _refreshFrames == 0 ? TransmitDecision.ComfortNoise : TransmitDecision.Nothing;
    }

    /// <summary>Writes the comfort noise payload for the silence now; its length.</summary>
    public int WriteComfortNoise(Span<byte> destination) => _noise.Write(destination);
}
