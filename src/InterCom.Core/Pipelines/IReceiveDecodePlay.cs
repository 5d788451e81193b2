using System.IO.Pipelines;
using InterCom.Core.Audio;
using InterCom.Core.Diagnostics;

namespace InterCom.Core.Pipelines;

/// <summary>
/// RDP, the receiving half of a call: UDP → RTP → a jitter buffer and decoder per remote sender →
/// mixer → PCM out. Once per frame duration the playout clock asks every sender's buffer for exactly
/// one frame (decoded, concealed or silent), mixes them and writes the mix to <see cref="Output"/>
/// (interleaved native-endian float32 at <see cref="Format"/>). With a sink, a pump hands
/// <see cref="Output"/> to the sink and a real-time sink is the playout clock; without one, the wall
/// clock is and the application reads <see cref="Output"/>. A PortAudio device's playback
/// (<see cref="Devices.PortAudioStream.Playback"/>) is not written to at all: the device's callback
/// asks for each period itself, straight from the jitter buffers and the mixer, and
/// <see cref="Output"/> completes at once (with native libopus or L16; Concentus's managed Opus
/// allocates as it decodes, so with it a thread still feeds the device a period ahead).
/// </summary>
public interface IReceiveDecodePlay : IAsyncDisposable
{
    /// <summary>The PCM format written to <see cref="Output"/>.</summary>
    AudioFormat Format { get; }

    /// <summary>The mixed audio. Read it only when the pipeline was started without a sink (with one, it carries nothing the application should take).</summary>
    PipeReader Output { get; }

    /// <summary>Datagrams dropped because they were not valid RTP or their payload was not valid for its codec.</summary>
    long PacketsMalformed { get; }

    /// <summary>RTP packets dropped because their payload type is not one the call decodes.</summary>
    long PacketsUnknownPayloadType { get; }

    /// <summary>Starts playout; with a <paramref name="sink"/>, also the pump that feeds it.</summary>
    /// <param name="sink">Where the mix goes, or <see langword="null"/> when the application reads <see cref="Output"/>.</param>
    void Start(IAudioSink? sink);

    /// <summary>
    /// Sets the gain of the audio from <paramref name="peer"/> (the address its packets come from, as
    /// statistics show it): 1 unchanged (default), 0.5 about -6 dB, up to 16. Applies now and to a
    /// sender that joins later from that address.
    /// </summary>
    void SetPeerGain(System.Net.IPEndPoint peer, float gain);

    /// <summary>Mutes or unmutes <paramref name="peer"/>; its stream keeps being received and counted.</summary>
    void SetPeerMuted(System.Net.IPEndPoint peer, bool muted);

    /// <summary>Per remote sender statistics, in order of first arrival.</summary>
    IReadOnlyList<PeerStatistics> GetPeerStatistics();

    /// <summary>Stops playout; waits for the pipeline's threads to end.</summary>
    Task StopAsync();
}
