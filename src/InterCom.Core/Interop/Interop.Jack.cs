using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>
    /// libjack's message printers. While a call waits for a JACK server that has gone, PortAudio's every
    /// initialization makes libjack print "Cannot connect to server socket ..." lines to standard error;
    /// the library logs the loss and the return itself, in one line each.
    /// </summary>
    internal static unsafe class Jack
    {
        private static int s_silenced;

        /// <summary>Silences libjack's error and info messages once per process; does nothing where there is no libjack.</summary>
        internal static void SilenceMessages()
        {
            if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref s_silenced, 1) != 0
                || !NativeLibrary.TryLoad("libjack.so.0", out IntPtr library))
            {
                return;
            }

            foreach (string setter in (ReadOnlySpan<string>)["jack_set_error_function", "jack_set_info_function"])
            {
                if (NativeLibrary.TryGetExport(library, setter, out IntPtr set))
                {
                    ((delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<byte*, void>, void>)set)(&Ignore);
                }
            }
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void Ignore(byte* message)
        {
        }
    }
}
