using InterCom.Core.Video;

namespace InterCom.Cli;

/// <summary>The video source and sink a command opened, until the session takes them (disposed here if it never does).</summary>
internal sealed class VideoEndpoints : IDisposable
{
    private IVideoSource? _source;
    private IVideoSink? _sink;

    private VideoEndpoints(IVideoSource? source, IVideoSink? sink) => (_source, _sink) = (source, sink);

    /// <summary>Opens what <paramref name="settings"/> name; a missing file, library or display is a runtime error naming it.</summary>
    public static VideoEndpoints Open(VideoSettings? settings, string title)
    {
        if (settings is null)
        {
            return new VideoEndpoints(null, null);
        }

        IVideoSource? source = settings.OpenSource();
        try
        {
            return new VideoEndpoints(source, settings.OpenSink(title));
        }
        catch
        {
            source?.Dispose();
            throw;
        }
    }

    public IVideoSource? TakeSource() => Interlocked.Exchange(ref _source, null);

    public IVideoSink? TakeSink() => Interlocked.Exchange(ref _sink, null);

    public void Dispose()
    {
        TakeSource()?.Dispose();
        TakeSink()?.Dispose();
    }
}
