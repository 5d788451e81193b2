using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>The PortAudio v19 C API (portaudio.h): constants and structures; the functions are on <see cref="PortAudioLibrary"/>.</summary>
    internal static unsafe class PortAudio
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

        /// <summary>The major version this binding was written for: v19 (<c>Pa_GetVersion() >> 16</c>).</summary>
        internal const int SupportedMajorVersion = 19;

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

        internal static string? Utf8(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
    }
}
