using System.Globalization;
using System.Runtime.InteropServices;
using AptP2P.Engine.Memory;

namespace AptP2P.Tests.Memory;

/// <summary>glibc's malloc as the node sets it up; measured on this process's resident set, so alone.</summary>
[Collection(AloneCollection.Name)]
public sealed class NativeHeapTests
{
    private const int Block = 64 * 1024; // below glibc's mmap threshold: served from an arena, not a mapping of its own
    private const int Blocks = 3200;     // 200 MiB

    [Fact]
    public void Glibc_takes_the_arena_limit()
    {
        Assert.True(NativeHeap.IsAvailable, "glibc's malloc (libc.so.6 with mallopt and malloc_trim) was not found: the node runs on Debian's libc6");
        Assert.True(NativeHeap.LimitArenas());
    }

    [Fact]
    public void Trim_hands_freed_native_memory_back_to_the_system()
    {
        // Marshal.AllocHGlobal is malloc() on Linux. A small block after each large one keeps the freed ones apart and away
        // from the arena's top, so free() keeps their room (as it does for the scattered allocations of a running node).
        var blocks = new nint[Blocks];
        var pins = new nint[Blocks];
        var bytes = new byte[Block];
        Array.Fill(bytes, (byte)0x5a);
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(Block);
            Marshal.Copy(bytes, 0, blocks[i], Block);
            pins[i] = Marshal.AllocHGlobal(64);
        }
        try
        {
            for (var i = 0; i < Blocks; i++)
                Marshal.FreeHGlobal(blocks[i]);
            var freed = ResidentBytes();
            Assert.True(NativeHeap.Trim());
            var trimmed = ResidentBytes();
            Assert.True(freed - trimmed > 150_000_000, $"resident {freed:N0} bytes after free(), {trimmed:N0} after the trim: most of the 200 MiB freed should have gone");
        }
        finally
        {
            foreach (var pin in pins)
                Marshal.FreeHGlobal(pin);
        }
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
