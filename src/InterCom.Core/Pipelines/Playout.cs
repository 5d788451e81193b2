using InterCom.Core.Audio;
using InterCom.Core.Codecs;

namespace InterCom.Core.Pipelines;

/// <summary>Resolves a <see cref="PlayoutMode"/> against the sink and codec a call has.</summary>
internal static class Playout
{
    /// <summary>The mode <paramref name="requested"/> comes to for <paramref name="sink"/> and <paramref name="codec"/>.</summary>
    /// <exception cref="ArgumentException"><see cref="PlayoutMode.Pull"/> where it cannot work.</exception>
    public static PlayoutMode Resolve(PlayoutMode requested, IAudioSink? sink, CodecOptions codec)
    {
        bool canPull = sink is IRenderedSink && AudioCodecFactory.DecodesWithoutAllocating(codec);
        return requested switch
        {
            PlayoutMode.Automatic => canPull ? PlayoutMode.Pull : PlayoutMode.Thread,
            PlayoutMode.Pull when !canPull => throw new ArgumentException(
                sink is IRenderedSink ? "Pull playout needs a decoder that allocates nothing: L16, or Opus with native libopus." : "Pull playout needs a PortAudio playback sink.",
                nameof(requested)),
            _ => requested,
        };
    }
}
