using InterCom.Core.Codecs;

namespace InterCom.Core.Jitter;

/// <summary>
/// One sender's decoded audio not yet played, and the decoder that makes it: packets decoded onto its
/// end, lost frames rebuilt from in-band FEC or concealed, and a pitch period removed or inserted by
/// time-stretching. The audio is <c>[offset, offset + Count)</c> of one preallocated buffer that holds a
/// frame, the next one decoded ahead, and a period inserted. Playout side only; allocation-free.
/// </summary>
internal sealed class DecodedAudio : IDisposable
{
    internal const int MaxFrameSamples = 5760;    // 120 ms, the longest Opus packet
    private readonly IAudioDecoder _decoder;
    private readonly float[] _audio;
    private readonly int _channels;
    private int _offset;

    public DecodedAudio(IAudioDecoder decoder)
    {
        _decoder = decoder;
        _channels = decoder.Format.Channels;
        _audio = new float[((2 * MaxFrameSamples) + TimeStretcher.MaxLag) * _channels];
    }

    public IAudioDecoder Decoder => _decoder;

    /// <summary>Interleaved samples waiting to be played.</summary>
    public int Count { get; private set; }

    /// <summary>Samples per channel waiting to be played.</summary>
    public int Frames => Count / _channels;

    /// <summary>Whether the audio waiting is concealment (never stretched: that would only make up more).</summary>
    public bool IsConcealment { get; private set; }

    /// <summary>Whether another longest frame fits at the end.</summary>
    public bool HasRoomForFrame => _audio.Length - (_offset + Count) >= MaxFrameSamples * _channels;

    /// <summary>Copies what is waiting (at most <c>destination.Length</c>) out; how many samples.</summary>
    public int PlayInto(Span<float> destination)
    {
        int n = Math.Min(Count, destination.Length);
        _audio.AsSpan(_offset, n).CopyTo(destination);
        _offset += n;
        Count -= n;
        if (Count == 0)
        {
            _offset = 0; // decoding starts at the buffer's start again
        }

        return n;
    }

    /// <summary>Decodes <paramref name="payload"/> onto the end; the samples per channel, or 0 when it did not decode (concealed in its place, <paramref name="frameSamples"/> long).</summary>
    public int Decode(ReadOnlySpan<byte> payload, int frameSamples)
    {
        Span<float> destination = _audio.AsSpan(_offset + Count);
        int samples = _decoder.Decode(payload, destination);
        IsConcealment = samples <= 0;
        if (IsConcealment)
        {
            _decoder.Conceal(destination, frameSamples);
            Count += frameSamples * _channels;
            return 0;
        }

        Count += samples * _channels;
        return samples;
    }

    /// <summary>With nothing waiting: rebuilds the frame before <paramref name="nextPayload"/> from its in-band FEC; the samples per channel, or 0 when it carries none.</summary>
    public int Recover(ReadOnlySpan<byte> nextPayload, int frameSamples)
    {
        int samples = _decoder.DecodeRedundancy(nextPayload, _audio, frameSamples);
        if (samples <= 0)
        {
            return 0;
        }

        Set(samples, concealment: false);
        return samples;
    }

    /// <summary>With nothing waiting: one frame of concealment.</summary>
    public void Conceal(int frameSamples)
    {
        _decoder.Conceal(_audio, frameSamples);
        Set(frameSamples, concealment: true);
    }

    /// <summary>Whether the audio waiting has a pitch period (a tone or a voice, not noise).</summary>
    public bool HasPeriod() => TimeStretcher.HasPeriod(Waiting, _channels);

    /// <summary>Removes one period of at most <paramref name="longest"/> samples; how many were removed.</summary>
    public int Shorten(bool force, int longest)
    {
        int removed = TimeStretcher.Shorten(Waiting, _channels, force, longest);
        Count -= removed * _channels;
        return removed;
    }

    /// <summary>Inserts one period of at most <paramref name="longest"/> samples; how many were inserted.</summary>
    public int Lengthen(bool force, int longest)
    {
        int added = TimeStretcher.Lengthen(_audio.AsSpan(_offset), Count, _channels, force, longest);
        Count += added * _channels;
        return added;
    }

    public void Dispose() => _decoder.Dispose();

    private Span<float> Waiting => _audio.AsSpan(_offset, Count);

    private void Set(int frameSamples, bool concealment)
    {
        _offset = 0;
        Count = frameSamples * _channels;
        IsConcealment = concealment;
    }
}
