using System.Runtime.InteropServices;
using static InterCom.Core.Interop.Interop;

namespace InterCom.Core.Video;

/// <summary>
/// Whether Debian's libvpx is here and is the release the binding was written for: checked once, before
/// the first codec opens, so that a missing package or another release is a clear error, not a crash.
/// </summary>
internal static unsafe class VpxLibrary
{
    private static readonly Lazy<string?> s_problem = new(FindProblem);

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> naming the package or the release, unless libvpx can be used.</summary>
    public static void EnsureUsable()
    {
        if (s_problem.Value is { } problem)
        {
            throw new PlatformNotSupportedException(problem);
        }
    }

    /// <summary>The library's version text (e.g. 1.12.0).</summary>
    public static string VersionText
    {
        get
        {
            EnsureUsable();
            int v = Vpx.CodecVersion();
            return $"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}";
        }
    }

    /// <summary>A libvpx status code as text, with the context's detail when it has one.</summary>
    public static string Describe(int error, byte* context = null)
    {
        string text = Marshal.PtrToStringUTF8((IntPtr)Vpx.ErrorToString(error)) ?? $"error {error}";
        string? detail = context is null ? null : Marshal.PtrToStringUTF8((IntPtr)Vpx.ErrorDetail(context));
        return detail is null ? text : $"{text} ({detail})";
    }

    private static string? FindProblem()
    {
        try
        {
            Interop.Interop.Libraries.EnsureLoadable(Vpx.Library, Vpx.Package, "libvpx", "VP8 video");
        }
        catch (PlatformNotSupportedException e)
        {
            return e.Message;
        }

        int version = Vpx.CodecVersion();
        int major = version >> 16, minor = (version >> 8) & 0xFF;
        if (major != Vpx.SupportedMajor || minor != Vpx.SupportedMinor)
        {
            return $"{Vpx.Library} is libvpx {major}.{minor}.{version & 0xFF}; InterCom's binding was written for the ABI of libvpx " +
                $"{Vpx.SupportedMajor}.{Vpx.SupportedMinor} (Debian 12's {Vpx.Package}) and refuses others rather than misread their structures.";
        }

        // The documented defaults at the offsets the binding writes: the structure is laid out as expected.
        byte* config = stackalloc byte[Vpx.EncoderConfigSize];
        new Span<byte>(config, Vpx.EncoderConfigSize).Clear();
        int status = Vpx.EncoderConfigDefault(Vpx.Vp8EncoderInterface(), config, 0);
        if (status != 0 || Read(config, Vpx.CfgWidth) != 320 || Read(config, Vpx.CfgHeight) != 240
            || Read(config, Vpx.CfgTimebaseNum) != 1 || Read(config, Vpx.CfgTimebaseDen) != 30 || Read(config, Vpx.CfgTargetBitrate) != 256)
        {
            return $"{Vpx.Library} (libvpx {major}.{minor}) does not lay out its encoder configuration as libvpx {Vpx.SupportedMajor}.{Vpx.SupportedMinor} does; refused.";
        }

        return null;
    }

    internal static uint Read(byte* config, int offset) => *(uint*)(config + offset);

    internal static void Write(byte* config, int offset, uint value) => *(uint*)(config + offset) = value;
}
