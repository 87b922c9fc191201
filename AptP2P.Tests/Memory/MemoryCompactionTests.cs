using AptP2P.Engine.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Memory;

public sealed class MemoryCompactionTests
{
    [Fact]
    public void Bursts_close_together_make_one_collection_once_the_node_has_been_quiet()
    {
        var time = new FakeTimeProvider();
        using var compaction = new MemoryCompaction(time, NullLogger<MemoryCompaction>.Instance);

        for (var burst = 0; burst < 5; burst++)
        {
            compaction.AfterBurst();
            time.Advance(MemoryCompaction.Quiet / 2);
        }
        Assert.Equal(0, compaction.Compactions);

        var collections = GC.CollectionCount(GC.MaxGeneration);
        time.Advance(MemoryCompaction.Quiet);
        Assert.Equal(1, compaction.Compactions);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collections);

        time.Advance(MemoryCompaction.Quiet * 10);
        Assert.Equal(1, compaction.Compactions);
        compaction.AfterBurst();
        time.Advance(MemoryCompaction.Quiet);
        Assert.Equal(2, compaction.Compactions);
    }
}
