using System.Buffers.Binary;

namespace InterCom.Core.Audio;

/// <summary>
/// Writes a WAV file. Every write goes to the file at once (no buffering in the process), and the
/// header's sizes are brought up to date every <see cref="HeaderUpdateInterval"/> of audio and on
/// <see cref="Dispose"/>, so the file is a valid WAV file at any moment, even if the process is killed
/// mid-call (its header then lacks at most the audio written since the last update, and
/// <see cref="Append"/> takes that audio back). Not real-time: the playout side paces it by the wall clock.
/// </summary>
public sealed class WavFileSink : IAudioSink
{
    /// <summary>How often the header is rewritten: every 0.5 s of audio.</summary>
    public static readonly TimeSpan HeaderUpdateInterval = TimeSpan.FromMilliseconds(500);

    private const int HeaderBytes = 44;
    private readonly FileStream _stream;
    private readonly WavSampleFormat _sampleFormat;
    private readonly long _updateEverySamples;
    private readonly byte[] _pending;   // samples not yet written: one write per 100 ms of audio, not per frame
    private int _pendingBytes;
    private long _dataBytes;            // in the file
    private long _samplesSinceUpdate;
    private bool _disposed;
    private IOException? _failure;  // a write failed: the file was cut back there, later writes throw

    /// <summary>Creates (or overwrites) <paramref name="path"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="format">The format of the samples written.</param>
    /// <param name="sampleFormat">How samples are stored; default 16-bit PCM.</param>
    public WavFileSink(string path, AudioFormat format, WavSampleFormat sampleFormat = WavSampleFormat.Pcm16)
        : this(path, format, sampleFormat, FileMode.Create)
    {
    }

    private WavFileSink(string path, AudioFormat format, WavSampleFormat sampleFormat, FileMode mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        format.Validate(nameof(format));
        Format = format;
        Path = path;
        _sampleFormat = sampleFormat;
        _updateEverySamples = (long)(HeaderUpdateInterval.TotalSeconds * format.SampleRate * format.Channels);
        _pending = new byte[format.SampleRate / 10 * format.Channels * BytesPerSample];
        _stream = new FileStream(path, mode, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            Span<byte> expected = stackalloc byte[HeaderBytes];
            BuildHeader(expected);
            Span<byte> found = stackalloc byte[HeaderBytes];
            int blockAlign = BytesPerSample * format.Channels;
            if (mode == FileMode.Create || _stream.Length < HeaderBytes || _stream.ReadAtLeast(found, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes
                || !found[..4].SequenceEqual(expected[..4]) || !found[8..40].SequenceEqual(expected[8..40]))
            {
                _stream.SetLength(0);
                _stream.Write(expected);
            }
            else
            {
                // Ours, of the same format: keep every whole frame on disk, even past a header that lags.
                _dataBytes = (_stream.Length - HeaderBytes) / blockAlign * blockAlign;
                _stream.SetLength(HeaderBytes + _dataBytes);
                _stream.Position = HeaderBytes + _dataBytes;
                UpdateSizes();
            }
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Continues <paramref name="path"/> when it is a WAV file this class wrote in the same format (for
    /// example by a playback process that was restarted mid-call), keeping every whole frame in it;
    /// otherwise creates (or overwrites) it like the constructor.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="format">The format of the samples written.</param>
    /// <param name="sampleFormat">How samples are stored; default 16-bit PCM.</param>
    public static WavFileSink Append(string path, AudioFormat format, WavSampleFormat sampleFormat = WavSampleFormat.Pcm16)
        => new(path, format, sampleFormat, File.Exists(path) ? FileMode.Open : FileMode.Create);

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public AudioFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    /// <summary>Samples per channel written so far.</summary>
    public long FramesWritten => (_dataBytes + _pendingBytes) / (BytesPerSample * Format.Channels);

    private int BytesPerSample => _sampleFormat == WavSampleFormat.Pcm16 ? 2 : 4;

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<float> samples, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new IOException($"Writing '{Path}' failed earlier: {_failure.Message}", _failure);
        }

        try
        {
            while (!samples.IsEmpty)
            {
                if (_pendingBytes == _pending.Length)
                {
                    WritePending();
                }

                int count = Math.Min(samples.Length, (_pending.Length - _pendingBytes) / BytesPerSample);
                Encode(samples[..count], _pending.AsSpan(_pendingBytes, count * BytesPerSample));
                _pendingBytes += count * BytesPerSample;
                samples = samples[count..];
                _samplesSinceUpdate += count;
            }

            if (_samplesSinceUpdate >= _updateEverySamples)
            {
                _samplesSinceUpdate = 0;
                UpdateSizes();
            }
        }
        catch (IOException e)
        {
            Fail(e);
            throw new IOException($"Writing '{Path}' failed after {_dataBytes / (BytesPerSample * Format.Channels) / (double)Format.SampleRate:F1} s of audio: {e.Message} The file is complete up to there.", e);
        }
    }

    private void Encode(ReadOnlySpan<float> samples, Span<byte> raw)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            float s = Math.Clamp(samples[i], -1f, 1f);
            if (_sampleFormat == WavSampleFormat.Pcm16)
            {
                BinaryPrimitives.WriteInt16LittleEndian(raw[(2 * i)..], (short)Math.Round(s * 32767f));
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw[(4 * i)..], s);
            }
        }
    }

    /// <summary>Writes the samples kept back; only what was written whole counts as in the file.</summary>
    private void WritePending()
    {
        if (_pendingBytes == 0)
        {
            return;
        }

        // Whole frames only reach the file: a chunk cut short by a failure is cut back to _dataBytes.
        int whole = _pendingBytes / (BytesPerSample * Format.Channels) * (BytesPerSample * Format.Channels);
        _stream.Write(_pending.AsSpan(0, whole));
        _dataBytes += whole;
        _pending.AsSpan(whole, _pendingBytes - whole).CopyTo(_pending);
        _pendingBytes -= whole;
    }

    /// <summary>
    /// A write failed (the disk is full, the file system gone): the file is cut back to the last whole
    /// frame written and its header made to say so, as far as the file system still lets us; later
    /// writes throw at once.
    /// </summary>
    private void Fail(IOException error)
    {
        _failure = error;
        _pendingBytes = 0; // what did not fit is given up, never retried into a full disk
        try
        {
            _stream.SetLength(HeaderBytes + _dataBytes);
            _stream.Position = HeaderBytes + _dataBytes;
            UpdateSizes();
        }
        catch (IOException)
        {
            // Nothing more can be done; the header still describes what was written before the last update.
        }
    }

    /// <summary>Brings the header's sizes up to date and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_failure is null)
            {
                UpdateSizes();
            }
        }
        catch (IOException e)
        {
            Fail(e); // the last samples did not fit: the file still ends at a whole frame its header names
            throw;
        }
        finally
        {
            _stream.Dispose();
        }
    }

    private void UpdateSizes()
    {
        WritePending();
        _stream.Flush();
        long end = _stream.Position;
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue, 36 + _dataBytes));
        _stream.Position = 4;
        _stream.Write(size);
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue - 36, _dataBytes));
        _stream.Position = 40;
        _stream.Write(size);
        _stream.Position = end;
        _stream.Flush();
    }

    private void BuildHeader(Span<byte> h)
    {
        int bytesPerSample = BytesPerSample;
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 36);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], (ushort)(_sampleFormat == WavSampleFormat.Pcm16 ? 1 : 3));
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)Format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)Format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)(Format.SampleRate * Format.Channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)(Format.Channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)(8 * bytesPerSample));
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[40..], 0);
    }
}
