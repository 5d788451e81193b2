using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>
    /// libasound's error printer. PortAudio probes every ALSA device at initialization; on a machine
    /// without a sound card libasound then prints dozens of "ALSA lib ..." lines to standard error.
    /// Installing a handler that drops them keeps the console readable; PortAudio still reports errors.
    /// </summary>
    internal static unsafe class Alsa
    {
        private static int s_silenced;

        /// <summary>Silences libasound's messages once per process; does nothing where there is no libasound.</summary>
        internal static void SilenceErrorMessages()
        {
            if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref s_silenced, 1) != 0)
            {
                return;
            }

            if (NativeLibrary.TryLoad("libasound.so.2", out IntPtr library) &&
                NativeLibrary.TryGetExport(library, "snd_lib_error_set_handler", out IntPtr setHandler))
            {
                _ = ((delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<byte*, int, byte*, int, byte*, void>, int>)setHandler)(&Ignore);
            }
        }

        /// <summary>The handler is variadic in C; on the supported ABIs the callee may ignore the extra arguments.</summary>
        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void Ignore(byte* file, int line, byte* function, int error, byte* format)
        {
        }
    }
}
