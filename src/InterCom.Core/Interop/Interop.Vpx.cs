using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>
    /// libvpx's C API (vpx_encoder.h, vpx_decoder.h, vp8cx.h, vp8dx.h of libvpx 1.12, Debian's libvpx7):
    /// the functions, and the constants and x86-64 structure offsets this binding was written for.
    /// </summary>
    internal static unsafe partial class Vpx
    {
        internal const string Library = "libvpx.so.7";
        internal const string Package = "libvpx7";

        /// <summary>The release the ABI numbers and offsets below belong to: 1.12.</summary>
        internal const int SupportedMajor = 1, SupportedMinor = 12;
        internal const int EncoderAbiVersion = 25;  // VPX_ENCODER_ABI_VERSION of 1.12 (1.13: 30, 1.14: 34)
        internal const int DecoderAbiVersion = 12;  // VPX_DECODER_ABI_VERSION of 1.12

        internal const int ContextSize = 56;        // sizeof(vpx_codec_ctx_t)
        internal const int ImageSize = 136;         // sizeof(vpx_image_t)
        internal const int EncoderConfigSize = 504; // sizeof(vpx_codec_enc_cfg_t)

        // vpx_codec_enc_cfg_t field offsets.
        internal const int CfgThreads = 4, CfgWidth = 12, CfgHeight = 16, CfgTimebaseNum = 28, CfgTimebaseDen = 32;
        internal const int CfgErrorResilient = 36, CfgLagInFrames = 44, CfgDropFrameThreshold = 48, CfgResizeAllowed = 52, CfgEndUsage = 72;
        internal const int CfgTargetBitrate = 112, CfgMinQuantizer = 116, CfgMaxQuantizer = 120, CfgUndershootPct = 124, CfgOvershootPct = 128;
        internal const int CfgBufferSize = 132, CfgBufferInitialSize = 136, CfgBufferOptimalSize = 140, CfgKeyframeMode = 160, CfgKeyframeMinDistance = 164, CfgKeyframeMaxDistance = 168;

        // vpx_image_t field offsets.
        internal const int ImgDisplayWidth = 24, ImgDisplayHeight = 28, ImgPlanes = 48, ImgStrides = 80;

        // vpx_codec_cx_pkt_t field offsets (the frame member of its union).
        internal const int PktKind = 0, PktBuffer = 8, PktSize = 16, PktFlags = 40;

        internal const int ImageFormatI420 = 0x102;     // VPX_IMG_FMT_I420
        internal const int EndUsageCbr = 1;             // VPX_CBR
        internal const int KeyframeAuto = 1;            // VPX_KF_AUTO
        internal const int ErrorResilientDefault = 1;   // VPX_ERROR_RESILIENT_DEFAULT
        internal const long FlagForceKeyframe = 1;      // VPX_EFLAG_FORCE_KF
        internal const ulong DeadlineRealtime = 1;      // VPX_DL_REALTIME
        internal const int FrameIsKey = 1;              // VPX_FRAME_IS_KEY
        internal const int PacketKindFrame = 0;         // VPX_CODEC_CX_FRAME_PKT
        internal const int ControlCpuUsed = 13;         // VP8E_SET_CPUUSED
        internal const int ControlNoiseSensitivity = 15;   // VP8E_SET_NOISE_SENSITIVITY
        internal const int ControlStaticThreshold = 17;    // VP8E_SET_STATIC_THRESHOLD
        internal const int ControlTokenPartitions = 18;    // VP8E_SET_TOKEN_PARTITIONS
        internal const int ControlMaxIntraBitratePct = 26; // VP8E_SET_MAX_INTRA_BITRATE_PCT
        internal const int ControlFrameCorrupted = 257;    // VP8D_GET_FRAME_CORRUPTED

        [LibraryImport(Library, EntryPoint = "vpx_codec_version")]
        internal static partial int CodecVersion();

        [LibraryImport(Library, EntryPoint = "vpx_codec_vp8_cx")]
        internal static partial IntPtr Vp8EncoderInterface();

        [LibraryImport(Library, EntryPoint = "vpx_codec_vp8_dx")]
        internal static partial IntPtr Vp8DecoderInterface();

        [LibraryImport(Library, EntryPoint = "vpx_codec_enc_config_default")]
        internal static partial int EncoderConfigDefault(IntPtr iface, byte* config, uint usage);

        [LibraryImport(Library, EntryPoint = "vpx_codec_enc_config_set")]
        internal static partial int EncoderConfigSet(byte* context, byte* config);

        [LibraryImport(Library, EntryPoint = "vpx_codec_enc_init_ver")]
        internal static partial int EncoderInit(byte* context, IntPtr iface, byte* config, long flags, int abiVersion);

        [LibraryImport(Library, EntryPoint = "vpx_codec_dec_init_ver")]
        internal static partial int DecoderInit(byte* context, IntPtr iface, void* config, long flags, int abiVersion);

        [LibraryImport(Library, EntryPoint = "vpx_codec_encode")]
        internal static partial int Encode(byte* context, byte* image, long pts, CULong duration, long flags, CULong deadline);

        [LibraryImport(Library, EntryPoint = "vpx_codec_get_cx_data")]
        internal static partial byte* GetEncodedData(byte* context, IntPtr* iterator);

        [LibraryImport(Library, EntryPoint = "vpx_codec_decode")]
        internal static partial int Decode(byte* context, byte* data, uint size, void* userData, long deadline);

        [LibraryImport(Library, EntryPoint = "vpx_codec_get_frame")]
        internal static partial byte* GetFrame(byte* context, IntPtr* iterator);

        [LibraryImport(Library, EntryPoint = "vpx_codec_destroy")]
        internal static partial int Destroy(byte* context);

        // Variadic in C; one int argument after the control id passes in the same register on x86-64 Linux.
        [LibraryImport(Library, EntryPoint = "vpx_codec_control_")]
        internal static partial int Control(byte* context, int control, int value);

        [LibraryImport(Library, EntryPoint = "vpx_codec_control_")]
        internal static partial int Control(byte* context, int control, int* value);

        [LibraryImport(Library, EntryPoint = "vpx_img_wrap")]
        internal static partial byte* ImageWrap(byte* image, int format, uint width, uint height, uint align, byte* data);

        [LibraryImport(Library, EntryPoint = "vpx_codec_err_to_string")]
        internal static partial byte* ErrorToString(int error);

        [LibraryImport(Library, EntryPoint = "vpx_codec_error_detail")]
        internal static partial byte* ErrorDetail(byte* context);
    }
}
