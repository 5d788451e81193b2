using Concentus;
using Concentus.Enums;
using InterCom.Core.Audio;

namespace InterCom.Core.Codecs;

/// <summary>Creates Concentus encoders and decoders of the implementation an <see cref="OpusLibrary"/> asks for.</summary>
internal static class OpusLibraries
{
    private const string Missing =
        "Native libopus was asked for (OpusLibrary.Native), but Concentus cannot load libopus.so. On Debian and Ubuntu: " +
        "apt-get install libopus-dev (libopus0 alone ships only libopus.so.0).";

    public static IOpusEncoder CreateEncoder(AudioFormat format, OpusApplication application, OpusLibrary library)
    {
        if (library == OpusLibrary.Managed)
        {
#pragma warning disable CS0618 // The factory has no per-instance choice of implementation; the managed constructor is it.
            return new Concentus.Structs.OpusEncoder(format.SampleRate, format.Channels, application);
#pragma warning restore CS0618
        }

        IOpusEncoder encoder = OpusCodecFactory.CreateEncoder(format.SampleRate, format.Channels, application);
        if (library == OpusLibrary.Native && !IsNative(encoder))
        {
            encoder.Dispose();
            throw new PlatformNotSupportedException(Missing);
        }

        return encoder;
    }

    public static IOpusDecoder CreateDecoder(AudioFormat format, OpusLibrary library)
    {
        if (library == OpusLibrary.Managed)
        {
#pragma warning disable CS0618 // As above.
            return new Concentus.Structs.OpusDecoder(format.SampleRate, format.Channels);
#pragma warning restore CS0618
        }

        IOpusDecoder decoder = OpusCodecFactory.CreateDecoder(format.SampleRate, format.Channels);
        if (library == OpusLibrary.Native && !IsNative(decoder))
        {
            decoder.Dispose();
            throw new PlatformNotSupportedException(Missing);
        }

        return decoder;
    }

    /// <summary>Whether Concentus handed out its native libopus wrapper (it lives in Concentus.Native).</summary>
    public static bool IsNative(object codec) => codec.GetType().Namespace == "Concentus.Native";
}
