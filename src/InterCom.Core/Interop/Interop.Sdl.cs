using System.Runtime.InteropServices;

namespace InterCom.Core.Interop;

internal static partial class Interop
{
    /// <summary>The part of SDL2's C API (SDL.h of SDL 2.26, Debian's libsdl2-2.0-0) that shows I420 frames in a window.</summary>
    internal static unsafe partial class Sdl
    {
        internal const string Library = "libSDL2-2.0.so.0";
        internal const string Package = "libsdl2-2.0-0";
        internal const int SupportedMajor = 2;
        internal const uint InitVideo = 0x20;                 // SDL_INIT_VIDEO
        internal const int WindowPositionUndefined = 0x1FFF0000;
        internal const uint WindowShown = 0x4;                // SDL_WINDOW_SHOWN
        internal const uint RendererSoftware = 0x1;           // SDL_RENDERER_SOFTWARE: no GPU here or in CI
        internal const uint PixelFormatIyuv = 0x56555949;     // SDL_PIXELFORMAT_IYUV: planar Y, U, V (I420)
        internal const int TextureAccessStreaming = 1;
        internal const int EventSize = 56;                    // sizeof(SDL_Event)

        [StructLayout(LayoutKind.Sequential)]
        internal struct Version
        {
            public byte Major;
            public byte Minor;
            public byte Patch;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct Rect
        {
            public int X;
            public int Y;
            public int W;
            public int H;
        }

        [LibraryImport(Library, EntryPoint = "SDL_GetVersion")]
        internal static partial void GetVersion(Version* version);

        [LibraryImport(Library, EntryPoint = "SDL_InitSubSystem")]
        internal static partial int InitSubSystem(uint flags);

        [LibraryImport(Library, EntryPoint = "SDL_QuitSubSystem")]
        internal static partial void QuitSubSystem(uint flags);

        [LibraryImport(Library, EntryPoint = "SDL_GetError")]
        internal static partial byte* GetError();

        [LibraryImport(Library, EntryPoint = "SDL_CreateWindow", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr CreateWindow(string title, int x, int y, int w, int h, uint flags);

        [LibraryImport(Library, EntryPoint = "SDL_SetWindowSize")]
        internal static partial void SetWindowSize(IntPtr window, int w, int h);

        [LibraryImport(Library, EntryPoint = "SDL_DestroyWindow")]
        internal static partial void DestroyWindow(IntPtr window);

        [LibraryImport(Library, EntryPoint = "SDL_CreateRenderer")]
        internal static partial IntPtr CreateRenderer(IntPtr window, int index, uint flags);

        [LibraryImport(Library, EntryPoint = "SDL_DestroyRenderer")]
        internal static partial void DestroyRenderer(IntPtr renderer);

        [LibraryImport(Library, EntryPoint = "SDL_CreateTexture")]
        internal static partial IntPtr CreateTexture(IntPtr renderer, uint format, int access, int w, int h);

        [LibraryImport(Library, EntryPoint = "SDL_DestroyTexture")]
        internal static partial void DestroyTexture(IntPtr texture);

        [LibraryImport(Library, EntryPoint = "SDL_UpdateYUVTexture")]
        internal static partial int UpdateYuvTexture(IntPtr texture, Rect* rect, byte* y, int yPitch, byte* u, int uPitch, byte* v, int vPitch);

        [LibraryImport(Library, EntryPoint = "SDL_RenderClear")]
        internal static partial int RenderClear(IntPtr renderer);

        [LibraryImport(Library, EntryPoint = "SDL_RenderCopy")]
        internal static partial int RenderCopy(IntPtr renderer, IntPtr texture, Rect* source, Rect* destination);

        [LibraryImport(Library, EntryPoint = "SDL_RenderPresent")]
        internal static partial void RenderPresent(IntPtr renderer);

        [LibraryImport(Library, EntryPoint = "SDL_PollEvent")]
        internal static partial int PollEvent(byte* sdlEvent);
    }
}
