using System.Text;

namespace InterCom.Core.Video;

/// <summary>
/// Writes the frames heard to YUV4MPEG2 (Y4M) files: the first sender's to <see cref="Path"/>, each further
/// sender's to <c>NAME-2.y4m</c>, <c>NAME-3.y4m</c>… beside it. Each frame goes to the file in one write,
/// unbuffered, so the file is valid at any moment (Y4M has no length to update). A file's size is its
/// sender's first frame's; later frames of another size are scaled to it.
/// </summary>
public sealed class Y4mFileSink : IVideoSink
{
    private readonly Dictionary<uint, Writer> _writers = [];
    private readonly List<string> _files = [];
    private readonly int _framesPerSecond;

    /// <summary>Writes to <paramref name="path"/> (created or overwritten) and files beside it.</summary>
    /// <param name="path">The first sender's file.</param>
    /// <param name="framesPerSecond">The rate written in the header (players use it; frames are stored as they come).</param>
    public Y4mFileSink(string path, int framesPerSecond = 30)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerSecond, 1);
        Path = path;
        _framesPerSecond = framesPerSecond;
        using (File.Create(path))
        {
            // Created now: a missing folder or a read-only place fails here, before the call starts.
        }
    }

    /// <summary>The first sender's file.</summary>
    public string Path { get; }

    /// <summary>Every file written so far, in the order their senders were first heard.</summary>
    public IReadOnlyList<string> Files
    {
        get
        {
            lock (_writers)
            {
                return [.. _files];
            }
        }
    }

    /// <summary>Frames written, over all files.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>The file of the <paramref name="index"/>-th sender (1 based).</summary>
    /// <param name="path">The first sender's file.</param>
    /// <param name="index">The sender's place in order of arrival.</param>
    public static string PathFor(string path, int index)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (index <= 1)
        {
            return path;
        }

        string extension = System.IO.Path.GetExtension(path);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? string.Empty, $"{System.IO.Path.GetFileNameWithoutExtension(path)}-{index}{extension}");
    }

    /// <inheritdoc/>
    public void Write(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_writers)
        {
            if (!_writers.TryGetValue(frame.Ssrc, out Writer? writer))
            {
                int index = _files.Count + 1;
                writer = new Writer(PathFor(Path, index), frame.Width, frame.Height, _framesPerSecond);
                _writers[frame.Ssrc] = writer;
                _files.Add(writer.Path);
            }

            writer.Write(frame);
            FramesWritten++;
        }
    }

    /// <inheritdoc/>
    public void Remove(uint ssrc)
    {
        lock (_writers)
        {
            if (_writers.Remove(ssrc, out Writer? writer))
            {
                writer.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_writers)
        {
            foreach (Writer writer in _writers.Values)
            {
                writer.Dispose();
            }

            _writers.Clear();
        }
    }

    private sealed class Writer : IDisposable
    {
        private static readonly byte[] s_marker = "FRAME\n"u8.ToArray();
        private readonly FileStream _stream;
        private readonly byte[] _record;
        private readonly VideoFrame _scaled;

        public Writer(string path, int width, int height, int framesPerSecond)
        {
            Path = path;
            _scaled = new VideoFrame(width, height);
            _record = new byte[s_marker.Length + _scaled.Length];
            s_marker.CopyTo(_record, 0);
            _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            _stream.Write(Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F{framesPerSecond}:1 Ip A1:1 C420jpeg\n"));
        }

        public string Path { get; }

        public void Write(VideoFrame frame)
        {
            if (frame.Width == _scaled.Width && frame.Height == _scaled.Height)
            {
                frame.Data.CopyTo(_record.AsSpan(s_marker.Length));
            }
            else
            {
                VideoScaler.Scale(frame, _scaled);
                _scaled.Data.CopyTo(_record.AsSpan(s_marker.Length));
            }

            _stream.Write(_record); // one write per frame: the file never ends inside a frame's header
        }

        public void Dispose() => _stream.Dispose();
    }
}
