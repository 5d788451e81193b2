namespace InterCom.Core.Audio;

/// <summary>
/// Produces the next samples to play when a device asks for them, on the device's own audio
/// callback: it must never block, lock, allocate, log or throw.
/// </summary>
internal interface IAudioRenderer
{
    /// <summary>Fills <paramref name="destination"/> (a whole number of interleaved frames) with the next audio.</summary>
    void Render(Span<float> destination);
}

/// <summary>
/// A sink whose device can pull its audio from an <see cref="IAudioRenderer"/> on its callback
/// instead of taking writes through a ring: nothing waits in between, so the audio played is the
/// newest there is (a device period less delay than a ring that must hold a period ahead).
/// </summary>
internal interface IRenderedSink : IAudioSink
{
    /// <summary>From the next callback on, the device plays what <paramref name="renderer"/> renders.</summary>
    void Attach(IAudioRenderer renderer);

    /// <summary>From the next callback on, the device no longer calls the renderer (a callback under way may still finish).</summary>
    void Detach();
}
