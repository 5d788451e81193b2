using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>
    /// libspeexdsp 1.2's C API (speex_echo.h, speex_preprocess.h, speex_resampler.h; Debian's libspeexdsp1):
    /// the echo canceller, the preprocessor and the resampler. All of it is int16 except the resampler's float path;
    /// a state is reentrant but not thread-safe.
    /// </summary>
    internal static unsafe partial class SpeexDsp
    {
        internal const string Library = "libspeexdsp.so.1";
        internal const string Package = "libspeexdsp1";

        internal const int EchoSetSamplingRate = 24;        // SPEEX_ECHO_SET_SAMPLING_RATE
        internal const int EchoGetSamplingRate = 25;        // SPEEX_ECHO_GET_SAMPLING_RATE

        internal const int PreprocessSetDenoise = 0;        // SPEEX_PREPROCESS_SET_DENOISE
        internal const int PreprocessSetAgc = 2;            // SPEEX_PREPROCESS_SET_AGC
        internal const int PreprocessSetNoiseSuppress = 18; // SPEEX_PREPROCESS_SET_NOISE_SUPPRESS (dB, negative)
        internal const int PreprocessSetEchoSuppress = 20;  // SPEEX_PREPROCESS_SET_ECHO_SUPPRESS (dB, negative)
        internal const int PreprocessSetEchoSuppressActive = 22; // SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE (dB, negative)
        internal const int PreprocessSetEchoState = 24;     // SPEEX_PREPROCESS_SET_ECHO_STATE

        [LibraryImport(Library, EntryPoint = "speex_echo_state_init")]
        internal static partial IntPtr EchoStateInit(int frameSize, int filterLength);

        [LibraryImport(Library, EntryPoint = "speex_echo_state_destroy")]
        internal static partial void EchoStateDestroy(IntPtr state);

        [LibraryImport(Library, EntryPoint = "speex_echo_cancellation")]
        internal static partial void EchoCancellation(IntPtr state, short* recorded, short* played, short* output);

        [LibraryImport(Library, EntryPoint = "speex_echo_ctl")]
        internal static partial int EchoCtl(IntPtr state, int request, void* value);

        [LibraryImport(Library, EntryPoint = "speex_preprocess_state_init")]
        internal static partial IntPtr PreprocessStateInit(int frameSize, int samplingRate);

        [LibraryImport(Library, EntryPoint = "speex_preprocess_state_destroy")]
        internal static partial void PreprocessStateDestroy(IntPtr state);

        /// <summary>Processes one frame in place; returns 1 for speech, 0 for none (when the VAD is on; 1 otherwise).</summary>
        [LibraryImport(Library, EntryPoint = "speex_preprocess_run")]
        internal static partial int PreprocessRun(IntPtr state, short* frame);

        [LibraryImport(Library, EntryPoint = "speex_preprocess_ctl")]
        internal static partial int PreprocessCtl(IntPtr state, int request, void* value);

        [LibraryImport(Library, EntryPoint = "speex_resampler_init")]
        internal static partial IntPtr ResamplerInit(uint channels, uint inRate, uint outRate, int quality, int* error);

        [LibraryImport(Library, EntryPoint = "speex_resampler_destroy")]
        internal static partial void ResamplerDestroy(IntPtr state);

        [LibraryImport(Library, EntryPoint = "speex_resampler_process_interleaved_float")]
        internal static partial int ResamplerProcessInterleavedFloat(IntPtr state, float* input, uint* inputFrames, float* output, uint* outputFrames);

        [LibraryImport(Library, EntryPoint = "speex_resampler_skip_zeros")]
        internal static partial int ResamplerSkipZeros(IntPtr state);

        /// <summary>The filter's delay, in output samples per channel.</summary>
        [LibraryImport(Library, EntryPoint = "speex_resampler_get_output_latency")]
        internal static partial int ResamplerGetOutputLatency(IntPtr state);
    }
}
