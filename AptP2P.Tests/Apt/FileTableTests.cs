using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Apt.Trust;

namespace AptP2P.Tests.Apt;

/// <summary>The index's open-addressed table against a dictionary doing the same, over random adds, replacements and removals.</summary>
public sealed class FileTableTests
{
    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 5_000)]
    [InlineData(3, 40_000)]
    public void Random_adds_replacements_and_removals_answer_as_a_dictionary_would(int seed, int keys)
    {
        var random = new Random(seed);
        var table = new FileTable();
        var reference = new Dictionary<ulong, (ContentHash Hash, long Size, ArchiveTrust Trust)>();
        // Few hashes for many paths (as Architecture: all packages have), and keys whose low bits collide, so chains form.
        var hashes = Enumerable.Range(0, Math.Max(4, keys / 8)).Select(_ => RandomHash(random)).ToArray();
        ulong KeyOf(int i) => ((ulong)(uint)i << 40) | (uint)(i % 7);

        for (var step = 0; step < keys * 6; step++)
        {
            var key = KeyOf(random.Next(keys));
            switch (random.Next(10))
            {
                case < 6:
                    var row = (hashes[random.Next(hashes.Length)], (long)random.Next(1, 4), (ArchiveTrust)random.Next(4));
                    table.Set(key, row.Item1, row.Item2, row.Item3);
                    reference[key] = row;
                    break;
                case < 9:
                    Assert.Equal(reference.Remove(key, out var removed), table.Remove(key, out var hash));
                    if (removed != default)
                        Assert.Equal(removed.Hash, hash);
                    break;
                default:
                    if (random.Next(50) == 0)
                        table.TrimExcess();
                    break;
            }
        }

        Assert.Equal(reference.Count, table.Count);
        for (var i = 0; i < keys; i++)
        {
            var key = KeyOf(i);
            Assert.Equal(reference.TryGetValue(key, out var expected), table.TryGet(key, out var hash, out var size, out var trust));
            if (reference.ContainsKey(key))
                Assert.Equal(expected, (hash, size, trust));
        }
        foreach (var hash in hashes)
        {
            var rows = reference.Values.Where(r => r.Hash == hash).ToList();
            for (long size = 1; size < 4; size++)
                Assert.Equal(rows.Any(r => r.Size == size), table.Lists(hash, size));
            ArchiveTrust? best = rows.Count == 0 ? null : rows.Any(r => r.Trust == ArchiveTrust.Verified) ? ArchiveTrust.Verified : rows[0].Trust;
            Assert.Equal(best is null, table.BestTrust(hash) is null);
            if (best == ArchiveTrust.Verified)
                Assert.Equal(ArchiveTrust.Verified, table.BestTrust(hash));
            else if (best is not null)
                Assert.NotEqual(ArchiveTrust.Verified, table.BestTrust(hash));
        }
    }

    [Fact]
    public void Emptied_and_trimmed_it_holds_nothing_and_takes_rows_again()
    {
        var table = new FileTable();
        var hash = RandomHash(new Random(9));
        for (ulong key = 0; key < 1000; key++)
            table.Set(key, hash, 10, ArchiveTrust.Verified);
        for (ulong key = 0; key < 1000; key++)
            Assert.True(table.Remove(key, out _));
        table.TrimExcess();

        Assert.Equal(0, table.Count);
        Assert.False(table.Lists(hash, 10));
        Assert.Null(table.BestTrust(hash));
        table.Set(5, hash, 2, ArchiveTrust.UnknownKey);
        Assert.True(table.TryGet(5, out _, out var size, out var trust));
        Assert.Equal((2L, ArchiveTrust.UnknownKey), (size, trust));
    }

    [Fact]
    public void A_size_beyond_56_bits_is_refused()
    {
        var table = new FileTable();
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set(1, default, 1L << 56, ArchiveTrust.Verified));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set(1, default, -1, ArchiveTrust.Verified));
        table.Set(1, default, (1L << 56) - 1, ArchiveTrust.Bad);
        Assert.True(table.TryGet(1, out _, out var size, out var trust));
        Assert.Equal(((1L << 56) - 1, ArchiveTrust.Bad), (size, trust));
    }

    private static ContentHash RandomHash(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return new ContentHash(bytes);
    }
}
