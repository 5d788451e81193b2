using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

/// <summary>An open <c>PaStream*</c>; releasing it closes the stream.</summary>
internal sealed class PaStreamHandle : SafeHandle
{
    /// <summary>Creates an invalid handle (the marshaller fills it in).</summary>
    public PaStreamHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.PortAudio.Pa_CloseStream(handle) == Interop.PortAudio.paNoError;
}
