using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace InterCom.Core.FlowControl;

/// <summary>
/// The flow-control state that the sending half (CES) and the receiving half (RDP) share: one fixed,
/// versioned block of memory, in a memory-mapped file when the halves run in two processes (under
/// /dev/shm on Linux: named maps without a file are Windows-only in .NET), or in plain memory when
/// they share one. Each half writes only its own section, between two increments of that section's
/// sequence number (odd while a write is under way), so any reader in any process takes a consistent
/// <see cref="Snapshot"/> while the writers run, with no lock. Layout: docs/flow-control.md.
/// </summary>
internal sealed unsafe class FlowControlCounters : IDisposable
{
    /// <summary>The first four bytes of the block, "ICFC" in ASCII.</summary>
    public const int Magic = 0x43464349;

    /// <summary>The layout version this code reads and writes: 1.</summary>
    public const int LayoutVersion = 1;

    /// <summary>Size of the block: 512 bytes.</summary>
    public const int Size = 512;

    private const int CesSection = 64;   // sequence + 8 fields
    private const int RdpSection = 192;  // sequence + 13 fields
    private const int SsrcChangeRequestsOffset = 448; // written by the receiving half with an atomic increment
    private const int CesLivenessOffset = 456;        // heartbeat, device losses, device reopenings: one writer each
    private const int RdpLivenessOffset = 480;
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long* _base;
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
            _base = (long*)(pointer + _view.PointerOffset);
        }
        else
        {
            _memory = (IntPtr)NativeMemory.AllocZeroed(Size);
            _base = (long*)_memory;
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
        long header = Volatile.Read(ref counters._base[0]);
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
    public void Publish(in CesCounters c)
    {
        long* s = Section(CesSection);
        BeginWrite(s);
        s[1] = c.Heartbeat;
        s[2] = c.ProcessId;
        s[3] = c.Ssrc;
        s[4] = c.PacketsSent;
        s[5] = c.BytesSent;
        s[6] = c.TargetBitrate;
        s[7] = c.FecEnabled ? 1 : 0;
        s[8] = c.LossHintPercent;
        EndWrite(s);
    }

    /// <summary>Publishes the receiving half's counters (only one writer, the receiving half, may call it).</summary>
    public void Publish(in RdpCounters c)
    {
        long* s = Section(RdpSection);
        BeginWrite(s);
        s[1] = c.Heartbeat;
        s[2] = c.ProcessId;
        s[3] = c.PacketsReceived;
        s[4] = c.BytesReceived;
        s[5] = c.PacketsLost;
        s[6] = c.PacketsLate;
        s[7] = c.FramesConcealed;
        s[8] = c.JitterMicros;
        s[9] = c.PlayoutDelayMicros;
        s[10] = c.RoundTripMicros;
        s[11] = c.RemoteFractionLost;
        s[12] = c.RemoteJitterMicros;
        s[13] = c.ReportsReceived;
        EndWrite(s);
    }

    /// <summary>The sending half's SSRC as last published (one atomic read, for the receiving half's per-packet checks).</summary>
    public uint CesSsrc => (uint)Volatile.Read(ref Section(CesSection)[3]);

    /// <summary>How many times the receiving half has asked the sending half to change its SSRC (after a collision).</summary>
    public long SsrcChangeRequests => Volatile.Read(ref Section(SsrcChangeRequestsOffset)[0]);

    /// <summary>Asks the sending half, wherever it runs, to change its SSRC: another source uses it (RFC 3550 section 8.2).</summary>
    public void RequestSsrcChange() => Interlocked.Increment(ref Section(SsrcChangeRequestsOffset)[0]);

    /// <summary>
    /// One half says it is alive (<see cref="Environment.TickCount64"/>): often (every frame, every 100 ms),
    /// unlike the once-a-second sections, so that a host can tell a hung worker within a second.
    /// </summary>
    internal void Beat(Hosting.WorkerRole half) => Volatile.Write(ref Liveness(half)[0], Environment.TickCount64);

    /// <summary>One half's device history: times lost, times reopened (only that half's worker writes it).</summary>
    internal void PublishDevice(Hosting.WorkerRole half, long losses, long reopenings)
    {
        long* slots = Liveness(half);
        Volatile.Write(ref slots[1], losses);
        Volatile.Write(ref slots[2], reopenings);
    }

    /// <summary>One half's last beat (0: none yet) and device history.</summary>
    internal (long Heartbeat, long DeviceLosses, long DeviceReopenings) ReadLiveness(Hosting.WorkerRole half)
    {
        long* slots = Liveness(half);
        return (Volatile.Read(ref slots[0]), Volatile.Read(ref slots[1]), Volatile.Read(ref slots[2]));
    }

    private long* Liveness(Hosting.WorkerRole half) => Section(half == Hosting.WorkerRole.Ces ? CesLivenessOffset : RdpLivenessOffset);

    /// <summary>A consistent copy of both sections, taken while the writers may be writing.</summary>
    public FlowControlSnapshot Snapshot() => new(ReadCes(), ReadRdp());

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

    private long* Section(int offset)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return (long*)((byte*)_base + offset);
    }

    private static void BeginWrite(long* section)
    {
        Volatile.Write(ref section[0], section[0] + 1); // odd: a write is under way
        Interlocked.MemoryBarrier();
    }

    private static void EndWrite(long* section)
    {
        Interlocked.MemoryBarrier();
        Volatile.Write(ref section[0], section[0] + 1); // even again: consistent
    }

    private CesCounters ReadCes()
    {
        long* s = Section(CesSection);
        while (true)
        {
            long before = Volatile.Read(ref s[0]);
            var c = new CesCounters(Volatile.Read(ref s[1]), Volatile.Read(ref s[2]), Volatile.Read(ref s[3]), Volatile.Read(ref s[4]),
                Volatile.Read(ref s[5]), Volatile.Read(ref s[6]), Volatile.Read(ref s[7]) != 0, Volatile.Read(ref s[8]));
            if ((before & 1) == 0 && Volatile.Read(ref s[0]) == before)
            {
                return c;
            }

            Thread.SpinWait(20);
        }
    }

    private RdpCounters ReadRdp()
    {
        long* s = Section(RdpSection);
        while (true)
        {
            long before = Volatile.Read(ref s[0]);
            var c = new RdpCounters(Volatile.Read(ref s[1]), Volatile.Read(ref s[2]), Volatile.Read(ref s[3]), Volatile.Read(ref s[4]),
                Volatile.Read(ref s[5]), Volatile.Read(ref s[6]), Volatile.Read(ref s[7]), Volatile.Read(ref s[8]), Volatile.Read(ref s[9]),
                Volatile.Read(ref s[10]), Volatile.Read(ref s[11]), Volatile.Read(ref s[12]), Volatile.Read(ref s[13]));
            if ((before & 1) == 0 && Volatile.Read(ref s[0]) == before)
            {
                return c;
            }

            Thread.SpinWait(20);
        }
    }

    private void WriteHeader()
    {
        Volatile.Write(ref _base[1], Size);
        Volatile.Write(ref _base[0], ((long)LayoutVersion << 32) | (uint)Magic);
    }
}
