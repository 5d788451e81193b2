using System.Globalization;
using System.Text;

namespace InterCom.Core.Video;

/// <summary>
/// Frames from a YUV4MPEG2 (Y4M) file of 4:2:0 pictures, looped at its end. The frame rate is the file's
/// unless given. Not real-time: the pipeline paces it.
/// </summary>
public sealed class Y4mFileSource : IVideoSource
{
    private readonly FileStream _stream;
    private readonly long _firstFrame;
    private readonly int _frameBytes;

    /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="framesPerSecond">The rate to send at; <see langword="null"/>: the file's.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a 4:2:0 Y4M file, or has no frame.</exception>
    public Y4mFileSource(string path, int? framesPerSecond = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        try
        {
            string header = ReadLine(_stream) ?? throw new InvalidDataException($"{path} is empty: not a Y4M file.");
            Format = ParseHeader(header, path, framesPerSecond);
            _firstFrame = _stream.Position;
            _frameBytes = Format.Width * Format.Height * 3 / 2;
            if (_stream.Length - _firstFrame < _frameBytes + 6)
            {
                throw new InvalidDataException($"{path} has no whole frame.");
            }
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Whole frames in the file when it was opened (frame headers without parameters, as most writers make them); <see cref="Read"/> loops after the last.</summary>
    public long FrameCount => (_stream.Length - _firstFrame) / (_frameBytes + 6);

    /// <inheritdoc/>
    public VideoFormat Format { get; }

    /// <inheritdoc/>
    public bool IsRealTime => false;

    /// <inheritdoc/>
    public bool Read(VideoFrame destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        destination.Resize(Format.Width, Format.Height);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            string? marker = ReadLine(_stream);
            if (marker is not null && marker.StartsWith("FRAME", StringComparison.Ordinal)
                && _stream.ReadAtLeast(destination.Data, _frameBytes, throwOnEndOfStream: false) == _frameBytes)
            {
                destination.CaptureTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
                destination.Ssrc = 0;
                return true;
            }

            _stream.Position = _firstFrame; // the end (or a cut last frame): loop
        }

        throw new InvalidDataException($"{Path}: no frame can be read at its start.");
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private static VideoFormat ParseHeader(string header, string path, int? framesPerSecond)
    {
        string[] fields = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] != "YUV4MPEG2")
        {
            throw new InvalidDataException($"{path} is not a Y4M file (it does not start with YUV4MPEG2).");
        }

        int width = 0, height = 0, fps = 30;
        foreach (string field in fields.AsSpan(1))
        {
            string value = field[1..];
            switch (field[0])
            {
                case 'W':
                    width = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case 'H':
                    height = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case 'F':
                    string[] ratio = value.Split(':');
                    if (ratio.Length == 2 && int.TryParse(ratio[0], out int num) && int.TryParse(ratio[1], out int den) && num > 0 && den > 0)
                    {
                        fps = Math.Clamp((int)Math.Round((double)num / den), 1, 120);
                    }

                    break;
                case 'C':
                    if (value is not ("420" or "420jpeg" or "420mpeg2" or "420paldv"))
                    {
                        throw new InvalidDataException($"{path} has colour space C{value}: only 8-bit 4:2:0 (C420, C420jpeg, C420mpeg2, C420paldv) is read.");
                    }

                    break;
                case 'I':
                    if (value is not ("p" or "?"))
                    {
                        throw new InvalidDataException($"{path} is interlaced (I{value}): only progressive frames are read.");
                    }

                    break;
            }
        }

        var format = new VideoFormat(width, height, framesPerSecond ?? fps);
        try
        {
            format.Validate(nameof(path));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        return format;
    }

    /// <summary>One header line (up to 256 bytes, ASCII), without its newline; <see langword="null"/> at the end.</summary>
    private static string? ReadLine(Stream stream)
    {
        Span<byte> line = stackalloc byte[256];
        int length = 0;
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return Encoding.ASCII.GetString(line[..length]);
            }

            if (length == line.Length)
            {
                return null;
            }

            line[length++] = (byte)b;
        }
    }
}
