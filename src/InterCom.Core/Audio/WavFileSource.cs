using System.Buffers.Binary;

namespace InterCom.Core.Audio;

/// <summary>
/// Reads a WAV file (16-bit PCM or 32-bit float, mono or stereo, any rate from 8 to 192 kHz) as a
/// source at the call's 48 kHz: another rate is resampled (libspeexdsp, its filter's delay skipped, so
/// the file's first sample is still the first). The file's channels are mixed down or duplicated to the
/// requested channel count. Not real-time: the capture side paces it by the wall clock.
/// </summary>
public sealed class WavFileSource : IAudioSource
{
    private readonly FileStream _stream;
    private readonly int _fileChannels;
    private readonly WavSampleFormat _fileFormat;
    private readonly long _dataEnd;
    private readonly Resampler? _resampler;   // when the file is not at 48 kHz
    private readonly float[] _pending = [];   // file-rate samples read but not yet resampled
    private int _pendingStart;
    private int _pendingCount;
    private byte[] _scratch = new byte[4096];

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <param name="path">The WAV file.</param>
    /// <param name="channels">Channels to produce (1 or 2); <see langword="null"/> keeps the file's.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a WAV file this source can read; the message says why.</exception>
    public WavFileSource(string path, int? channels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        try
        {
            (_fileChannels, int sampleRate, _fileFormat, long dataStart, long dataLength) = ReadHeader(_stream, path);
            if (sampleRate is < 8_000 or > 192_000)
            {
                throw new InvalidDataException($"'{path}' is sampled at {sampleRate} Hz; only 8 to 192 kHz is read.");
            }

            int outChannels = channels ?? _fileChannels;
            Format = new AudioFormat(AudioFormat.CallSampleRate, outChannels);
            Format.Validate(nameof(channels));
            FileSampleRate = sampleRate;
            if (sampleRate != AudioFormat.CallSampleRate)
            {
                _resampler = new Resampler(outChannels, sampleRate, AudioFormat.CallSampleRate, skipDelay: true);
                _pending = new float[4800 * outChannels];
            }

            _stream.Position = dataStart;
            _dataEnd = Math.Min(dataStart + dataLength, _stream.Length);
            Path = path;
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public AudioFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    /// <summary>The file's own channel count.</summary>
    public int FileChannels => _fileChannels;

    /// <summary>The file's own sample rate, Hz.</summary>
    public int FileSampleRate { get; }

    /// <inheritdoc/>
    public int Read(Span<float> destination, CancellationToken cancellationToken)
    {
        if (_resampler is null)
        {
            return ReadFileRate(destination);
        }

        int produced = 0;
        while (produced < destination.Length)
        {
            if (_pendingCount == 0)
            {
                (_pendingStart, _pendingCount) = (0, ReadFileRate(_pending));
                if (_pendingCount == 0)
                {
                    break; // the file's end: what the filter still holds is its last millisecond
                }
            }

            (int consumed, int made) = _resampler.Process(_pending.AsSpan(_pendingStart, _pendingCount), destination[produced..]);
            (_pendingStart, _pendingCount) = (_pendingStart + consumed, _pendingCount - consumed);
            produced += made;
        }

        return produced;
    }

    private int ReadFileRate(Span<float> destination)
    {
        int outChannels = Format.Channels;
        int frames = destination.Length / outChannels;
        int bytesPerSample = _fileFormat == WavSampleFormat.Pcm16 ? 2 : 4;
        int frameBytes = bytesPerSample * _fileChannels;
        long remainingFrames = (_dataEnd - _stream.Position) / frameBytes;
        frames = (int)Math.Min(frames, Math.Max(0, remainingFrames));
        int bytes = frames * frameBytes;
        if (_scratch.Length < bytes)
        {
            _scratch = new byte[bytes];
        }

        Span<byte> raw = _scratch.AsSpan(0, bytes);
        _stream.ReadExactly(raw);
        for (int f = 0; f < frames; f++)
        {
            float left = Sample(raw, (f * _fileChannels) * bytesPerSample);
            float right = _fileChannels == 2 ? Sample(raw, ((f * _fileChannels) + 1) * bytesPerSample) : left;
            if (outChannels == 1)
            {
                destination[f] = _fileChannels == 2 ? (left + right) * 0.5f : left;
            }
            else
            {
                destination[2 * f] = left;
                destination[(2 * f) + 1] = right;
            }
        }

        return frames * outChannels;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stream.Dispose();
        _resampler?.Dispose();
    }

    /// <summary>Reads a whole WAV file into memory as interleaved samples of <paramref name="channels"/> channels.</summary>
    /// <param name="path">The WAV file.</param>
    /// <param name="channels">Channels to produce (1 or 2); <see langword="null"/> keeps the file's.</param>
    public static float[] ReadAll(string path, int? channels = null)
    {
        using var source = new WavFileSource(path, channels);
        var samples = new List<float>();
        var buffer = new float[4800 * source.Format.Channels];
        int read;
        while ((read = source.Read(buffer, CancellationToken.None)) > 0)
        {
            samples.AddRange(buffer.AsSpan(0, read));
        }

        return [.. samples];
    }

    private float Sample(ReadOnlySpan<byte> raw, int offset) => _fileFormat == WavSampleFormat.Pcm16
        ? BinaryPrimitives.ReadInt16LittleEndian(raw[offset..]) / 32768f
        : BinaryPrimitives.ReadSingleLittleEndian(raw[offset..]);

    private static (int Channels, int SampleRate, WavSampleFormat Format, long DataStart, long DataLength) ReadHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[12];
        if (stream.ReadAtLeast(header, 12, throwOnEndOfStream: false) < 12 ||
            !header[..4].SequenceEqual("RIFF"u8) || !header[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"'{path}' is not a WAV file (no RIFF/WAVE header).");
        }

        int channels = 0, sampleRate = 0;
        WavSampleFormat? format = null;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[40];
        while (stream.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) == 8)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            long next = stream.Position + size + (size & 1);
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16)
                {
                    throw new InvalidDataException($"'{path}' has a truncated fmt chunk.");
                }

                int n = stream.ReadAtLeast(fmt[..(int)Math.Min(size, 40)], (int)Math.Min(size, 40), throwOnEndOfStream: false);
                ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
                sampleRate = BinaryPrimitives.ReadInt32LittleEndian(fmt[4..]);
                ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
                if (tag == 0xFFFE && n >= 26)
                {
                    tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]); // WAVE_FORMAT_EXTENSIBLE: sub-format GUID starts with the tag
                }

                format = (tag, bits) switch
                {
                    (1, 16) => WavSampleFormat.Pcm16,
                    (3, 32) => WavSampleFormat.Float32,
                    _ => throw new InvalidDataException($"'{path}' holds {bits}-bit samples of format {tag}; only 16-bit PCM and 32-bit float are read."),
                };
                if (channels is not (1 or 2))
                {
                    throw new InvalidDataException($"'{path}' has {channels} channels; only mono and stereo are read.");
                }
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                if (format is null)
                {
                    throw new InvalidDataException($"'{path}' has no fmt chunk before its data.");
                }

                return (channels, sampleRate, format.Value, stream.Position, size);
            }

            stream.Position = next;
        }

        throw new InvalidDataException($"'{path}' has no data chunk.");
    }
}
