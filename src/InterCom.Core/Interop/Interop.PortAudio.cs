using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>The PortAudio v19 C API (portaudio.h), as far as InterCom uses it.</summary>
    internal static unsafe partial class PortAudio
    {
        internal const int paNoError = 0;
        internal const int paNoDevice = -1;
        internal const int paInvalidChannelCount = -9998;
        internal const int paInvalidSampleRate = -9997;
        internal const int paInvalidDevice = -9996;
        internal const int paDeviceUnavailable = -9985;
        internal const int paSampleFormatNotSupported = -9994;
        internal const int paBadIODeviceCombination = -9993;
        internal const ulong paFloat32 = 0x00000001;
        internal const ulong paClipOff = 0x00000001;
        internal const ulong paDitherOff = 0x00000002;
        internal const ulong paInputUnderflow = 0x00000001;
        internal const ulong paInputOverflow = 0x00000002;
        internal const ulong paOutputUnderflow = 0x00000004;
        internal const ulong paOutputOverflow = 0x00000008;
        internal const int paContinue = 0;
        internal const int paJACK = 12;

        static PortAudio() => NativeLibrary.SetDllImportResolver(typeof(PortAudio).Assembly, Resolve);

        [StructLayout(LayoutKind.Sequential)]
        internal struct PaHostApiInfo
        {
            public int structVersion;
            public int type;
            public byte* name;
            public int deviceCount;
            public int defaultInputDevice;
            public int defaultOutputDevice;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PaDeviceInfo
        {
            public int structVersion;
            public byte* name;
            public int hostApi;
            public int maxInputChannels;
            public int maxOutputChannels;
            public double defaultLowInputLatency;
            public double defaultLowOutputLatency;
            public double defaultHighInputLatency;
            public double defaultHighOutputLatency;
            public double defaultSampleRate;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PaStreamParameters
        {
            public int device;
            public int channelCount;
            public CULong sampleFormat;
            public double suggestedLatency;
            public void* hostApiSpecificStreamInfo;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PaStreamInfo
        {
            public int structVersion;
            public double inputLatency;
            public double outputLatency;
            public double sampleRate;
        }

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_GetVersion();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial byte* Pa_GetVersionText();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial byte* Pa_GetErrorText(int errorCode);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_Initialize();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_Terminate();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_GetHostApiCount();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial PaHostApiInfo* Pa_GetHostApiInfo(int hostApi);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_GetDeviceCount();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_GetDefaultInputDevice();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_GetDefaultOutputDevice();

        [LibraryImport(Libraries.PortAudio)]
        internal static partial PaDeviceInfo* Pa_GetDeviceInfo(int device);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_IsFormatSupported(PaStreamParameters* inputParameters, PaStreamParameters* outputParameters, double sampleRate);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_OpenStream(
            out PaStreamHandle stream,
            PaStreamParameters* inputParameters,
            PaStreamParameters* outputParameters,
            double sampleRate,
            CULong framesPerBuffer,
            CULong streamFlags,
            delegate* unmanaged[Cdecl]<void*, void*, CULong, void*, CULong, void*, int> streamCallback,
            void* userData);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_StartStream(PaStreamHandle stream);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_StopStream(PaStreamHandle stream);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_AbortStream(PaStreamHandle stream);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial int Pa_CloseStream(IntPtr stream);

        [LibraryImport(Libraries.PortAudio)]
        internal static partial PaStreamInfo* Pa_GetStreamInfo(PaStreamHandle stream);

        /// <summary><c>PaJack_SetClientName</c> (pa_jack.h) when the library was built with JACK, else null.</summary>
        internal static delegate* unmanaged[Cdecl]<byte*, int> TryGetJackSetClientName()
        {
            return NativeLibrary.TryGetExport(Load(), "PaJack_SetClientName", out IntPtr export)
                ? (delegate* unmanaged[Cdecl]<byte*, int>)export
                : null;
        }

        internal static string ErrorText(int code)
        {
            byte* text = Pa_GetErrorText(code);
            return text is null ? $"PortAudio error {code}" : Marshal.PtrToStringUTF8((IntPtr)text) ?? $"PortAudio error {code}";
        }

        internal static string? Utf8(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);

        /// <summary>Loads PortAudio or throws <see cref="PlatformNotSupportedException"/> naming the package to install.</summary>
        internal static IntPtr Load()
        {
            IntPtr handle = s_handle;
            if (handle != IntPtr.Zero)
            {
                return handle;
            }

            string? overridePath = Environment.GetEnvironmentVariable(Libraries.PortAudioPathVariable);
            if (!string.IsNullOrEmpty(overridePath))
            {
                if (NativeLibrary.TryLoad(overridePath, out handle))
                {
                    s_handle = handle;
                    return handle;
                }

                throw new PlatformNotSupportedException(
                    $"{Libraries.PortAudioPathVariable}={overridePath} cannot be loaded. {Libraries.PortAudioInstallHint}");
            }

            foreach (string candidate in Libraries.PortAudioCandidates)
            {
                if (NativeLibrary.TryLoad(candidate, typeof(PortAudio).Assembly, DllImportSearchPath.SafeDirectories, out handle))
                {
                    s_handle = handle;
                    return handle;
                }
            }

            throw new PlatformNotSupportedException(
                $"{Libraries.PortAudioInstallHint} (looked for {string.Join(", ", Libraries.PortAudioCandidates)}).");
        }

        private static IntPtr s_handle;

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
            => libraryName == Libraries.PortAudio ? Load() : IntPtr.Zero;

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static void EnsureLoaded() => Load();
    }
}
