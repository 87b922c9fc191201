using System.Runtime.InteropServices;
using AptP2P.Engine.Memory;

namespace AptP2P.Tests.Memory;

/// <summary>glibc's malloc as the node sets it up; measured on this process's resident set (<see cref="Environment.WorkingSet"/>), so alone.</summary>
[Collection(AloneCollection.Name)]
public sealed class NativeHeapTests
{
    private const int Block = 64 * 1024; // below glibc's mmap threshold: served from an arena, not a mapping of its own
    private const int Blocks = 3200;     // 200 MiB freed, as many kept

    [Fact]
    public void Glibc_takes_the_arena_limit()
    {
        Assert.True(NativeHeap.IsAvailable, "glibc's malloc (libc.so.6 with mallopt and malloc_trim) was not found: the node runs on Debian's libc6");
        Assert.True(NativeHeap.LimitArenas());
    }

    [Fact]
    public void Trim_hands_freed_native_memory_back_to_the_system()
    {
        // Marshal.AllocHGlobal is malloc() on Linux. Blocks are freed every other one: the kept ones hold the freed ones apart
        // and away from the arena's top, so free() keeps their room, as it does for the scattered allocations of a running
        // node. (Small separators would not do: a heap that has served other tests reuses its own small holes for them.)
        var blocks = new nint[2 * Blocks];
        var bytes = new byte[Block];
        Array.Fill(bytes, (byte)0x5a);
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(Block);
            Marshal.Copy(bytes, 0, blocks[i], Block);
        }
        try
        {
            var allocated = Environment.WorkingSet;
            for (var i = 0; i < blocks.Length; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = 0;
            }
            var freed = Environment.WorkingSet;
            Assert.True(NativeHeap.Trim());
            var trimmed = Environment.WorkingSet;
            Assert.True(freed - trimmed > 150_000_000,
                $"resident {allocated:N0} bytes with 400 MiB allocated, {freed:N0} after freeing half, {trimmed:N0} after the trim: most of the 200 MiB freed should have gone");
        }
        finally
        {
            foreach (var block in blocks)
            {
                if (block != 0)
                    Marshal.FreeHGlobal(block);
            }
        }
    }
}
