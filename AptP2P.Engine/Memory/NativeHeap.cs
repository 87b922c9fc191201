using System.Runtime.InteropServices;

namespace AptP2P.Engine.Memory;

/// <summary>
/// glibc's malloc as a long-running node wants it. By default glibc gives threads up to eight arenas per core, each keeping
/// the memory freed in it; SQLite's statements, the runtime's own bookkeeping and TLS allocate from whichever thread-pool
/// thread runs them, so after a few index updates the freed room of many arenas stays resident (<c>AptP2P.Bench memory
/// churn</c>: the native part of the resident set grew from 43 to 101 MB over 30 updates of an archive, to 66 MB with two
/// arenas). The node limits the arenas at start and hands free native memory back after a burst of work. Elsewhere than
/// glibc (musl, other systems) both are no-ops.
/// </summary>
public static partial class NativeHeap
{
    /// <summary>Arenas the node's threads share: the runtime hardly mallocs on hot paths, so two are no contention.</summary>
    public const int Arenas = 2;

    private const string Libc = "libc.so.6";
    private const int MallocArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>Limits the arenas threads created from now on share to <see cref="Arenas"/>; true when glibc took it.</summary>
    public static bool LimitArenas() => IsAvailable && mallopt(MallocArenaMax, Arenas) == 1;

    /// <summary>Returns the free memory of every arena to the system (<c>malloc_trim(0)</c>); true when some was released.</summary>
    public static bool Trim() => IsAvailable && malloc_trim(0) == 1;

    /// <summary>True where glibc's malloc is the process's (both calls then do what they say).</summary>
    public static bool IsAvailable { get; } = TryLoad();

    private static bool TryLoad()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(Libc, typeof(NativeHeap).Assembly, null, out var handle))
            return false;
        return NativeLibrary.TryGetExport(handle, "mallopt", out _) && NativeLibrary.TryGetExport(handle, "malloc_trim", out _);
    }

    [LibraryImport(Libc)]
    private static partial int mallopt(int parameter, int value);

    [LibraryImport(Libc)]
    private static partial int malloc_trim(nuint pad);
}
