using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace InterCom.Core.FlowControl;

/// <summary>
/// The flow-control state that the sending half (CES) and the receiving half (RDP) share: one fixed,
/// versioned block of memory, in a memory-mapped file when the halves run in two processes (under
/// /dev/shm on Linux: named maps without a file are Windows-only in .NET), or in plain memory when
/// they share one. Each half writes only its own section, between two increments of that section's
/// sequence number (odd while a write is under way), so any reader in any process takes a consistent
/// <see cref="Snapshot"/> while the writers run, with no lock. Layout: <see cref="CountersLayout"/> (docs/flow-control.md).
/// </summary>
internal sealed unsafe class FlowControlCounters : IDisposable
{
    /// <summary>The first four bytes of the block, "ICFC" in ASCII.</summary>
    public const int Magic = 0x43464349;

    /// <summary>The layout version this code reads and writes: 1.</summary>
    public const int LayoutVersion = 1;

    /// <summary>Size of the block: 512 bytes.</summary>
    public const int Size = 512;

    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly CountersLayout* _block;
    private readonly IntPtr _memory;
    private int _disposed;

    private FlowControlCounters(MemoryMappedFile? file, string? path)
    {
        _file = file;
        Path = path;
        if (file is not null)
        {
            _view = file.CreateViewAccessor(0, Size);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _block = (CountersLayout*)(pointer + _view.PointerOffset);
        }
        else
        {
            _memory = (IntPtr)NativeMemory.AllocZeroed(Size);
            _block = (CountersLayout*)_memory;
        }
    }

    /// <summary>The file behind the block, or <see langword="null"/> for an in-process block.</summary>
    public string? Path { get; }

    /// <summary>Creates a block in this process's memory, for a session whose halves share the process.</summary>
    public static FlowControlCounters CreateInProcess()
    {
        var counters = new FlowControlCounters(null, null);
        counters.WriteHeader();
        return counters;
    }

    /// <summary>
    /// Creates the block in <paramref name="path"/>, replacing any file there. The block is written under
    /// a temporary name and renamed into place: another process opening the path finds a whole block or
    /// none, and one that still maps a replaced file keeps reading that file (never one cut short under it).
    /// </summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public static FlowControlCounters Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string staging = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        MemoryMappedFile? file = null;
        FlowControlCounters? counters = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(staging, FileMode.CreateNew, null, Size, MemoryMappedFileAccess.ReadWrite);
            counters = new FlowControlCounters(file, path);
            counters.WriteHeader();
            File.Move(staging, path, overwrite: true);
            return counters;
        }
        catch
        {
            if (counters is not null)
            {
                counters.Dispose();
            }
            else
            {
                file?.Dispose();
            }

            File.Delete(staging);
            throw;
        }
    }

    /// <summary>Opens the block another process created in <paramref name="path"/>, checking its magic and version.</summary>
    /// <exception cref="FileNotFoundException">There is no such file (no running session of that name).</exception>
    /// <exception cref="InvalidDataException">The file is not a counters block of this layout version.</exception>
    public static FlowControlCounters Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No counters at '{path}': no session of that name is running.", path);
        }

        if (new FileInfo(path).Length < Size)
        {
            throw new InvalidDataException($"'{path}' is not an InterCom counters file (too short).");
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        var counters = new FlowControlCounters(file, path);
        long header = Volatile.Read(ref counters._block->Header);
        if ((int)header != Magic || (int)(header >> 32) != LayoutVersion)
        {
            counters.Dispose();
            throw new InvalidDataException($"'{path}' is not an InterCom counters file of layout version {LayoutVersion}.");
        }

        return counters;
    }

    /// <summary>Where the counters of the session named <paramref name="name"/> live: /dev/shm when there is one, else the temp folder.</summary>
    public static string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' cannot be part of a file name.", nameof(name));
        }

        string folder = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        return System.IO.Path.Combine(folder, $"intercom-{name}.counters");
    }

    /// <summary>Publishes the sending half's counters (only one writer, the sending half, may call it).</summary>
    public void Publish(in CesCounters c) => Write(ref Block->CesSequence, ref Block->Ces, CesSection.From(c));

    /// <summary>Publishes the receiving half's counters (only one writer, the receiving half, may call it).</summary>
    public void Publish(in RdpCounters c) => Write(ref Block->RdpSequence, ref Block->Rdp, RdpSection.From(c));

    /// <summary>The sending half's SSRC as last published (one atomic read, for the receiving half's per-packet checks).</summary>
    public uint CesSsrc => (uint)Volatile.Read(ref Block->Ces.Ssrc);

    /// <summary>How many times the receiving half has asked the sending half to change its SSRC (after a collision).</summary>
    public long SsrcChangeRequests => Volatile.Read(ref Block->SsrcChangeRequests);

    /// <summary>Asks the sending half, wherever it runs, to change its SSRC: another source uses it (RFC 3550 section 8.2).</summary>
    public void RequestSsrcChange() => Interlocked.Increment(ref Block->SsrcChangeRequests);

    /// <summary>
    /// One half says it is alive (<see cref="Environment.TickCount64"/>): often (every frame, every 100 ms),
    /// unlike the once-a-second sections, so that a host can tell a hung worker within a second.
    /// </summary>
    internal void Beat(Hosting.WorkerRole half) => Volatile.Write(ref Liveness(half).Heartbeat, Environment.TickCount64);

    /// <summary>One half's device history: times lost, times reopened (only that half's worker writes it).</summary>
    internal void PublishDevice(Hosting.WorkerRole half, long losses, long reopenings)
    {
        ref LivenessSection slots = ref Liveness(half);
        Volatile.Write(ref slots.DeviceLosses, losses);
        Volatile.Write(ref slots.DeviceReopenings, reopenings);
    }

    /// <summary>One half's last beat (0: none yet) and device history.</summary>
    internal (long Heartbeat, long DeviceLosses, long DeviceReopenings) ReadLiveness(Hosting.WorkerRole half)
    {
        ref LivenessSection slots = ref Liveness(half);
        return (Volatile.Read(ref slots.Heartbeat), Volatile.Read(ref slots.DeviceLosses), Volatile.Read(ref slots.DeviceReopenings));
    }

    private ref LivenessSection Liveness(Hosting.WorkerRole half) => ref half == Hosting.WorkerRole.Ces ? ref Block->CesLiveness : ref Block->RdpLiveness;

    /// <summary>A consistent copy of both sections, taken while the writers may be writing.</summary>
    public FlowControlSnapshot Snapshot() => new(Read(ref Block->CesSequence, ref Block->Ces).ToCounters(), Read(ref Block->RdpSequence, ref Block->Rdp).ToCounters());

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file!.Dispose();
        }
        else
        {
            NativeMemory.Free((void*)_memory);
        }
    }

    private CountersLayout* Block
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _block;
        }
    }

    /// <summary>Writes a section whole between two increments of its sequence number (odd while the write is under way).</summary>
    private static void Write<T>(ref long sequence, ref T section, in T value)
        where T : unmanaged
    {
        long before = sequence;
        Volatile.Write(ref sequence, before + 1);
        Interlocked.MemoryBarrier();
        section = value;
        Interlocked.MemoryBarrier();
        Volatile.Write(ref sequence, before + 2);
    }

    /// <summary>A copy of a section that no write overlapped: taken again until the sequence number was even and unchanged around it.</summary>
    private static T Read<T>(ref long sequence, ref T section)
        where T : unmanaged
    {
        while (true)
        {
            long before = Volatile.Read(ref sequence);
            Interlocked.MemoryBarrier();
            T copy = section;
            Interlocked.MemoryBarrier();
            if ((before & 1) == 0 && Volatile.Read(ref sequence) == before)
            {
                return copy;
            }

            Thread.SpinWait(20);
        }
    }

    private void WriteHeader()
    {
        Volatile.Write(ref _block->BlockSize, Size);
        Volatile.Write(ref _block->Header, ((long)LayoutVersion << 32) | (uint)Magic);
    }
}
