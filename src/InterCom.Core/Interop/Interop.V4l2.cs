using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>
    /// Video4Linux2 capture through libv4l2 (Debian's libv4l-0), which converts a camera's own formats
    /// (YUYV, MJPEG...) to the I420 asked for: the ioctls, and the x86-64 layouts of linux/videodev2.h used.
    /// </summary>
    internal static unsafe partial class V4l2
    {
        internal const string Library = "libv4l2.so.0";
        internal const string Package = "libv4l-0";

        internal const uint QueryCapability = 0x80685600;   // VIDIOC_QUERYCAP
        internal const uint SetFormat = 0xC0D05605;         // VIDIOC_S_FMT
        internal const uint RequestBuffers = 0xC0145608;    // VIDIOC_REQBUFS
        internal const uint QueryBuffer = 0xC0585609;       // VIDIOC_QUERYBUF
        internal const uint QueueBuffer = 0xC058560F;       // VIDIOC_QBUF
        internal const uint DequeueBuffer = 0xC0585611;     // VIDIOC_DQBUF
        internal const uint StreamOn = 0x40045612;          // VIDIOC_STREAMON
        internal const uint StreamOff = 0x40045613;         // VIDIOC_STREAMOFF
        internal const uint SetParameters = 0xC0CC5616;     // VIDIOC_S_PARM

        internal const int CapabilitySize = 104, CapabilityCaps = 84, CapabilityDeviceCaps = 88;
        internal const uint CapVideoCapture = 0x1, CapStreaming = 0x04000000, CapDeviceCaps = 0x80000000;
        internal const int FormatSize = 208, PixWidth = 8, PixHeight = 12, PixFormat = 16, PixField = 20, PixBytesPerLine = 24, PixSizeImage = 28;
        internal const int RequestSize = 20, BufferSize = 88, ParametersSize = 204, TimePerFrame = 12;
        internal const int BufIndex = 0, BufType = 4, BufBytesUsed = 8, BufFlags = 12, BufTimestamp = 24, BufMemory = 60, BufOffset = 64, BufLength = 72;
        internal const uint TypeVideoCapture = 1;           // V4L2_BUF_TYPE_VIDEO_CAPTURE
        internal const uint MemoryMmap = 1;                 // V4L2_MEMORY_MMAP
        internal const uint FieldNone = 1;                  // V4L2_FIELD_NONE: progressive
        internal const uint PixelFormatYuv420 = 0x32315559; // V4L2_PIX_FMT_YUV420 ('YU12'): I420
        internal const uint FlagTimestampMonotonic = 0x2000, FlagTimestampMask = 0xE000;
        internal const int OpenReadWrite = 2, OpenNonBlocking = 0x800, OpenCloseOnExec = 0x80000;
        internal const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
        internal const short PollIn = 1;

        [LibraryImport(Library, EntryPoint = "v4l2_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Open(string path, int flags);

        [LibraryImport(Library, EntryPoint = "v4l2_close")]
        internal static partial int Close(int fd);

        [LibraryImport(Library, EntryPoint = "v4l2_ioctl", SetLastError = true)]
        internal static partial int Ioctl(int fd, CULong request, void* argument);

        [LibraryImport(Library, EntryPoint = "v4l2_mmap", SetLastError = true)]
        internal static partial void* Map(void* start, nuint length, int protection, int flags, int fd, long offset);

        [LibraryImport(Library, EntryPoint = "v4l2_munmap")]
        internal static partial int Unmap(void* start, nuint length);

        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short Returned;
        }

        [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int OpenPlain(string path, int flags);

        [LibraryImport("libc.so.6", EntryPoint = "close")]
        internal static partial int ClosePlain(int fd);

        [LibraryImport("libc.so.6", EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int IoctlPlain(int fd, CULong request, void* argument);

        [LibraryImport("libc.so.6", EntryPoint = "poll", SetLastError = true)]
        internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);
    }
}
