using InterCom.Core.Audio;

namespace InterCom.Core.Speech;

/// <summary>
/// A capture source with the speech chain on it: reads the device (and, with echo cancellation, what it
/// played in the same callbacks), cuts both into mono blocks of the processor's, runs <see cref="SpeechProcessor"/>
/// and gives the result on every channel. Frames that are not whole blocks (2.5 or 5 ms) come out a
/// steady part of a block later rather than in bursts. Allocates only on the first read.
/// </summary>
internal sealed class SpeechProcessingSource : IAudioSource
{
    /// <summary>The played signal is not delayed by more than the device's latency less this: the echo must never come before its reference (a JACK port wired back into the client skips the hardware's latency).</summary>
    private static readonly TimeSpan ReferenceMargin = TimeSpan.FromMilliseconds(20);

    private readonly IAudioSource _inner;
    private readonly SpeechProcessor _processor;
    private readonly IPlayedReference? _reference;
    private readonly int _channels;
    private readonly int _block;
    private readonly int _referenceDelay; // samples the played signal is held back to meet its echo
    private float[] _played = [];
    private float[] _mic = [];
    private float[] _far = [];
    private float[] _out = [];
    private int _micCount, _farCount, _outStart, _outCount;
    private int _disposed; // the pipeline and the endpoints both dispose their source

    public SpeechProcessingSource(IAudioSource inner, SpeechProcessor processor, IPlayedReference? reference)
    {
        (_inner, _processor, _reference) = (inner, processor, processor.EchoCancellation ? reference : null);
        _channels = inner.Format.Channels;
        _block = processor.BlockSamples;
        TimeSpan lead = _reference is null ? TimeSpan.Zero : _reference.PlayedToCaptured - ReferenceMargin;
        _referenceDelay = lead > TimeSpan.Zero ? (int)(lead.TotalSeconds * inner.Format.SampleRate) : 0;
    }

    public AudioFormat Format => _inner.Format;

    public bool IsRealTime => _inner.IsRealTime;

    public int Read(Span<float> destination, CancellationToken cancellationToken)
    {
        int frames = destination.Length / _channels;
        if (_played.Length < destination.Length)
        {
            Allocate(frames);
        }

        int read = _inner.Read(destination, cancellationToken);
        if (read < destination.Length || Volatile.Read(ref _disposed) != 0)
        {
            return read; // the end, or a stop: no block to finish
        }

        if (_reference is not null)
        {
            _ = _reference.ReadPlayed(_played.AsSpan(0, destination.Length));
        }

        Downmix(destination, _mic.AsSpan(_micCount, frames));
        _micCount += frames;
        if (_reference is not null)
        {
            Downmix(_played.AsSpan(0, destination.Length), _far.AsSpan(_farCount, frames));
            _farCount += frames;
        }

        int processed = 0;
        while (_micCount - processed >= _block)
        {
            Compact();
            _processor.Process(_mic.AsSpan(processed, _block), _far.AsSpan(processed, _block), _out.AsSpan(_outStart + _outCount, _block));
            _outCount += _block;
            processed += _block;
        }

        Shift(_mic, ref _micCount, processed);
        if (_reference is not null)
        {
            Shift(_far, ref _farCount, processed);
        }

        for (int f = 0; f < frames; f++)
        {
            float sample = _out[_outStart + f];
            for (int c = 0; c < _channels; c++)
            {
                destination[(f * _channels) + c] = sample;
            }
        }

        (_outStart, _outCount) = (_outStart + frames, _outCount - frames);
        return destination.Length;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _inner.Dispose(); // first: a read under way returns short and processes nothing more
            _processor.Dispose();
        }
    }

    private int Priming(int frames) => (_block - (frames % _block)) % _block;

    private void Allocate(int frames)
    {
        _played = new float[frames * _channels];
        _mic = new float[_block + frames];
        _far = new float[_block + frames + _referenceDelay];
        _out = new float[(3 * _block) + (2 * frames)];
        _farCount = _referenceDelay;   // silence ahead of what was played: the delay line
        (_outStart, _outCount) = (0, Priming(frames)); // silence ahead of the first block: no read ever finds the queue short
    }

    private void Compact()
    {
        if (_outStart + _outCount + _block > _out.Length)
        {
            Array.Copy(_out, _outStart, _out, 0, _outCount);
            _outStart = 0;
        }
    }

    private static void Shift(float[] buffer, ref int count, int consumed)
    {
        if (consumed > 0)
        {
            Array.Copy(buffer, consumed, buffer, 0, count - consumed);
            count -= consumed;
        }
    }

    private void Downmix(ReadOnlySpan<float> interleaved, Span<float> mono)
    {
        if (_channels == 1)
        {
            interleaved[..mono.Length].CopyTo(mono);
            return;
        }

        for (int f = 0; f < mono.Length; f++)
        {
            float sum = 0;
            for (int c = 0; c < _channels; c++)
            {
                sum += interleaved[(f * _channels) + c];
            }

            mono[f] = sum / _channels;
        }
    }
}
