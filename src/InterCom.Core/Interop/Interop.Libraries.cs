namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>Names of the native libraries the library binds to.</summary>
    internal static class Libraries
    {
        /// <summary>File names tried, in order, when loading PortAudio v19 (Debian package <c>libportaudio2</c> ships <c>libportaudio.so.2</c>).</summary>
        internal static readonly string[] PortAudioCandidates = OperatingSystem.IsWindows()
            ? ["portaudio.dll", "libportaudio-2.dll", "portaudio_x64.dll"]
            : OperatingSystem.IsMacOS()
                ? ["libportaudio.2.dylib", "libportaudio.dylib"]
                : ["libportaudio.so.2", "libportaudio.so"];

        /// <summary>Environment variable naming a PortAudio library file to load instead of the system's.</summary>
        internal const string PortAudioPathVariable = "INTERCOM_PORTAUDIO_LIBRARY";

        /// <summary>
        /// Throws <see cref="PlatformNotSupportedException"/> naming <paramref name="package"/> unless
        /// <paramref name="library"/> loads: what <paramref name="purpose"/> needs is missing.
        /// </summary>
        internal static void EnsureLoadable(string library, string package, string name, string purpose)
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, typeof(Libraries).Assembly, null, out IntPtr handle))
            {
                throw new PlatformNotSupportedException($"{name} is not installed ({library} cannot be loaded): {purpose} needs it. On Debian/Ubuntu: 'sudo apt-get install {package}'.");
            }

            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }

        /// <summary>What to tell a user whose machine lacks PortAudio.</summary>
        internal const string PortAudioInstallHint =
            "PortAudio is not installed. On Debian/Ubuntu: 'sudo apt-get install libportaudio2'; " +
            "on Fedora: 'sudo dnf install portaudio'; on macOS: 'brew install portaudio'.";
    }
}
