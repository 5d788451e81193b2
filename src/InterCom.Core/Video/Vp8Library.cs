namespace InterCom.Core.Video;

/// <summary>Whether VP8 video can run here: Debian's libvpx (libvpx7) of the release the binding was written for.</summary>
public static class Vp8Library
{
    /// <summary>Throws unless libvpx is installed and is the release the binding knows.</summary>
    /// <exception cref="PlatformNotSupportedException">libvpx is missing (the message names the package) or another release.</exception>
    public static void EnsureAvailable() => VpxLibrary.EnsureUsable();

    /// <summary>The loaded libvpx's version, e.g. 1.12.0.</summary>
    /// <exception cref="PlatformNotSupportedException">As <see cref="EnsureAvailable"/>.</exception>
    public static string Version => VpxLibrary.VersionText;
}
