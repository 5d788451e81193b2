using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop.PortAudio;

namespace InterCom.Core.Interop;

/// <summary>
/// One loaded instance of PortAudio with its functions resolved from the library handle, its version
/// checked at load. A process normally uses one. <see cref="LoadFreshCopy"/> loads a private copy of
/// the same file, which has state of its own: PortAudio 19.6's JACK host API waits ten minutes in
/// <c>Pa_AbortStream</c> once the server has gone, and every later close or terminate of that instance
/// waits too, so a call that lost its JACK server reopens the device through a new instance instead.
/// </summary>
internal sealed unsafe class PortAudioLibrary
{
    private static readonly Lock s_gate = new();
    private static PortAudioLibrary? s_system;
    private static int s_copies;

    private readonly delegate* unmanaged[Cdecl]<int> _getVersion;
    private readonly delegate* unmanaged[Cdecl]<byte*> _getVersionText;
    private readonly delegate* unmanaged[Cdecl]<int, byte*> _getErrorText;
    private readonly delegate* unmanaged[Cdecl]<int> _initialize;
    private readonly delegate* unmanaged[Cdecl]<int> _terminate;
    private readonly delegate* unmanaged[Cdecl]<int, PaHostApiInfo*> _getHostApiInfo;
    private readonly delegate* unmanaged[Cdecl]<int> _getDeviceCount;
    private readonly delegate* unmanaged[Cdecl]<int> _getDefaultInputDevice;
    private readonly delegate* unmanaged[Cdecl]<int> _getDefaultOutputDevice;
    private readonly delegate* unmanaged[Cdecl]<int, PaDeviceInfo*> _getDeviceInfo;
    private readonly delegate* unmanaged[Cdecl]<PaStreamParameters*, PaStreamParameters*, double, int> _isFormatSupported;
    private readonly delegate* unmanaged[Cdecl]<IntPtr*, PaStreamParameters*, PaStreamParameters*, double, CULong, CULong, delegate* unmanaged[Cdecl]<void*, void*, CULong, void*, CULong, void*, int>, void*, int> _openStream;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _startStream;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _abortStream;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _closeStream;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _isStreamActive;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, PaStreamInfo*> _getStreamInfo;
    private readonly delegate* unmanaged[Cdecl]<byte*, int> _jackSetClientName;

    private PortAudioLibrary(IntPtr handle, string path)
    {
        Path = path;
        _getVersion = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_GetVersion");
        int version = _getVersion();
        if (version >> 16 != SupportedMajorVersion && version != 1899) // releases before 19.5 answered 1899
        {
            throw new PlatformNotSupportedException(
                $"{path} is PortAudio version {version >> 16}.{(version >> 8) & 0xFF}; InterCom needs PortAudio v{SupportedMajorVersion}. {Interop.Libraries.PortAudioInstallHint}");
        }

        _getVersionText = (delegate* unmanaged[Cdecl]<byte*>)Export(handle, "Pa_GetVersionText");
        _getErrorText = (delegate* unmanaged[Cdecl]<int, byte*>)Export(handle, "Pa_GetErrorText");
        _initialize = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_Initialize");
        _terminate = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_Terminate");
        _getHostApiInfo = (delegate* unmanaged[Cdecl]<int, PaHostApiInfo*>)Export(handle, "Pa_GetHostApiInfo");
        _getDeviceCount = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_GetDeviceCount");
        _getDefaultInputDevice = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_GetDefaultInputDevice");
        _getDefaultOutputDevice = (delegate* unmanaged[Cdecl]<int>)Export(handle, "Pa_GetDefaultOutputDevice");
        _getDeviceInfo = (delegate* unmanaged[Cdecl]<int, PaDeviceInfo*>)Export(handle, "Pa_GetDeviceInfo");
        _isFormatSupported = (delegate* unmanaged[Cdecl]<PaStreamParameters*, PaStreamParameters*, double, int>)Export(handle, "Pa_IsFormatSupported");
        _openStream = (delegate* unmanaged[Cdecl]<IntPtr*, PaStreamParameters*, PaStreamParameters*, double, CULong, CULong, delegate* unmanaged[Cdecl]<void*, void*, CULong, void*, CULong, void*, int>, void*, int>)Export(handle, "Pa_OpenStream");
        _startStream = (delegate* unmanaged[Cdecl]<IntPtr, int>)Export(handle, "Pa_StartStream");
        _abortStream = (delegate* unmanaged[Cdecl]<IntPtr, int>)Export(handle, "Pa_AbortStream");
        _closeStream = (delegate* unmanaged[Cdecl]<IntPtr, int>)Export(handle, "Pa_CloseStream");
        _isStreamActive = (delegate* unmanaged[Cdecl]<IntPtr, int>)Export(handle, "Pa_IsStreamActive");
        _getStreamInfo = (delegate* unmanaged[Cdecl]<IntPtr, PaStreamInfo*>)Export(handle, "Pa_GetStreamInfo");
        _jackSetClientName = NativeLibrary.TryGetExport(handle, "PaJack_SetClientName", out IntPtr setName)
            ? (delegate* unmanaged[Cdecl]<byte*, int>)setName
            : null; // built without JACK
    }

    /// <summary>The file this instance was loaded from (for a fresh copy: the file it copied).</summary>
    public string Path { get; }

    /// <summary>The process's own instance: <c>INTERCOM_PORTAUDIO_LIBRARY</c>, or the system's library.</summary>
    /// <exception cref="PlatformNotSupportedException">PortAudio is missing or not v19; the message names the package.</exception>
    public static PortAudioLibrary System
    {
        get
        {
            lock (s_gate)
            {
                return s_system ??= LoadSystem();
            }
        }
    }

    /// <summary>
    /// A private instance: the system library's file copied and loaded under another name (the copy is
    /// removed once loaded; the mapping stays), so that nothing of a stuck instance's state is shared.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The copy cannot be made or loaded.</exception>
    public static PortAudioLibrary LoadFreshCopy()
    {
        string source = System.Path;
        string name = global::System.IO.Path.GetFileName(source);
        string copy = global::System.IO.Path.Combine(global::System.IO.Path.GetTempPath(),
            $"intercom-portaudio-{Environment.ProcessId}-{Interlocked.Increment(ref s_copies)}-{name}");
        try
        {
            File.Copy(source, copy, overwrite: true);
            return new PortAudioLibrary(NativeLibrary.Load(copy), source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or BadImageFormatException)
        {
            throw new PlatformNotSupportedException($"Cannot load a fresh copy of PortAudio ({source} to {copy}): {e.Message}", e);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    public int Version => _getVersion();

    public string VersionText => Utf8(_getVersionText()) ?? string.Empty;

    public string ErrorText(int code) => Utf8(_getErrorText(code)) ?? $"PortAudio error {code}";

    public bool HasJack => _jackSetClientName is not null;

    public int Initialize() => _initialize();

    public int Terminate() => _terminate();

    public PaHostApiInfo* GetHostApiInfo(int hostApi) => _getHostApiInfo(hostApi);

    public int GetDeviceCount() => _getDeviceCount();

    public int GetDefaultInputDevice() => _getDefaultInputDevice();

    public int GetDefaultOutputDevice() => _getDefaultOutputDevice();

    public PaDeviceInfo* GetDeviceInfo(int device) => _getDeviceInfo(device);

    public int IsFormatSupported(PaStreamParameters* input, PaStreamParameters* output, double sampleRate) => _isFormatSupported(input, output, sampleRate);

    public int JackSetClientName(byte* name) => _jackSetClientName(name);

    /// <summary><c>Pa_OpenStream</c>; on success <paramref name="stream"/> owns the native stream.</summary>
    public int OpenStream(
        out PaStreamHandle? stream, PaStreamParameters* input, PaStreamParameters* output, double sampleRate, CULong framesPerBuffer, CULong flags,
        delegate* unmanaged[Cdecl]<void*, void*, CULong, void*, CULong, void*, int> callback, void* userData)
    {
        IntPtr raw = IntPtr.Zero;
        int error = _openStream(&raw, input, output, sampleRate, framesPerBuffer, flags, callback, userData);
        stream = error < 0 || raw == IntPtr.Zero ? null : new PaStreamHandle(this, raw);
        return error;
    }

    public int StartStream(PaStreamHandle stream) => With(stream, _startStream);

    public int AbortStream(PaStreamHandle stream) => With(stream, _abortStream);

    /// <summary><c>Pa_IsStreamActive</c>: 1 while the callbacks run, 0 once the stream stopped (by itself too), negative on error.</summary>
    public int IsStreamActive(PaStreamHandle stream) => With(stream, _isStreamActive);

    public PaStreamInfo* GetStreamInfo(PaStreamHandle stream)
    {
        using var held = new Held(stream);
        return _getStreamInfo(held.Pointer);
    }

    /// <summary>Only for <see cref="PaStreamHandle"/>'s release.</summary>
    internal int CloseStream(IntPtr stream) => _closeStream(stream);

    private static int With(PaStreamHandle stream, delegate* unmanaged[Cdecl]<IntPtr, int> function)
    {
        using var held = new Held(stream);
        return function(held.Pointer);
    }

    /// <summary>A stream's pointer, kept alive for one native call (what the marshaller does for a SafeHandle).</summary>
    private readonly ref struct Held
    {
        private readonly PaStreamHandle _stream;
        private readonly bool _added;

        public Held(PaStreamHandle stream)
        {
            _stream = stream;
            stream.DangerousAddRef(ref _added);
            Pointer = stream.DangerousGetHandle();
        }

        public IntPtr Pointer { get; }

        public void Dispose()
        {
            if (_added)
            {
                _stream.DangerousRelease();
            }
        }
    }

    private static IntPtr Export(IntPtr handle, string name) => NativeLibrary.TryGetExport(handle, name, out IntPtr address)
        ? address
        : throw new PlatformNotSupportedException($"The PortAudio library lacks {name}: not PortAudio v{SupportedMajorVersion}? {Interop.Libraries.PortAudioInstallHint}");

    private static PortAudioLibrary LoadSystem()
    {
        string? overridePath = Environment.GetEnvironmentVariable(Interop.Libraries.PortAudioPathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            return NativeLibrary.TryLoad(overridePath, out IntPtr handle)
                ? new PortAudioLibrary(handle, global::System.IO.Path.GetFullPath(overridePath))
                : throw new PlatformNotSupportedException($"{Interop.Libraries.PortAudioPathVariable}={overridePath} cannot be loaded. {Interop.Libraries.PortAudioInstallHint}");
        }

        foreach (string candidate in Interop.Libraries.PortAudioCandidates)
        {
            if (NativeLibrary.TryLoad(candidate, typeof(PortAudioLibrary).Assembly, DllImportSearchPath.SafeDirectories, out IntPtr handle))
            {
                return new PortAudioLibrary(handle, LoadedPath(handle) ?? candidate);
            }
        }

        throw new PlatformNotSupportedException(
            $"{Interop.Libraries.PortAudioInstallHint} (looked for {string.Join(", ", Interop.Libraries.PortAudioCandidates)}).");
    }

    /// <summary>The file a loaded library came from (<c>dladdr</c> on one of its exports), or null where that cannot be told.</summary>
    private static string? LoadedPath(IntPtr handle)
    {
        if (OperatingSystem.IsWindows()
            || !NativeLibrary.TryLoad(OperatingSystem.IsMacOS() ? "libSystem.dylib" : "libc.so.6", out IntPtr libc)
            || !NativeLibrary.TryGetExport(libc, "dladdr", out IntPtr dladdr)
            || !NativeLibrary.TryGetExport(handle, "Pa_GetVersion", out IntPtr symbol))
        {
            return null;
        }

        DlInfo info;
        return ((delegate* unmanaged[Cdecl]<IntPtr, DlInfo*, int>)dladdr)(symbol, &info) != 0 ? Utf8(info.FileName) : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public byte* FileName;
        public IntPtr FileBase;
        public byte* SymbolName;
        public IntPtr SymbolAddress;
    }
}
