using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Decompression;
using AptP2P.Engine.Apt.Parsing;
using static AptP2P.Tests.Apt.MetadataSamples;

namespace AptP2P.Tests.Apt;

public sealed class HostileInputTests
{
    private const string Dir = "debian/dists/bookworm/main/binary-amd64";

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData("Packages")]
    [InlineData("Packages.xz")]
    [InlineData("Packages.gz")]
    [InlineData("Packages.bz2")]
    [InlineData("Sources")]
    [InlineData("Packages.diff/Index")]
    [InlineData("Release")]
    public void Garbage_reads_as_nothing(string name)
    {
        (var result, var entries) = Read($"{Dir}/{name}", RandomBytes(1 << 20, 1));

        Assert.Empty(entries);
        Assert.True(result.Stats.Completed);
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B })]
    [InlineData(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 })]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9' })]
    public void Garbage_behind_a_compression_magic_fails_cleanly(byte[] magic)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            (var result, var entries) = Read($"{Dir}/Packages.xz", [.. magic, .. RandomBytes(4096, seed)]);

            Assert.Empty(entries);
            Assert.True(result.Stats.Failed);
        }
    }

    [Fact]
    public void Flipped_bits_in_xz_data_fail_cleanly_or_yield_only_well_formed_entries()
    {
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => PackagesStanza($"p{i}", "1", $"pool/p{i}.deb", i, Hash($"p{i}")))));
        var compressed = SystemTool.Run("xz", "-c", plain);
        var random = new Random(7);

        for (var round = 0; round < 30; round++)
        {
            var damaged = (byte[])compressed.Clone();
            damaged[random.Next(12, damaged.Length)] ^= (byte)(1 << random.Next(8));

            (var result, var entries) = Read($"{Dir}/Packages.xz", damaged);

            Assert.True(result.Stats.Failed || result.Stats.Completed);
            Assert.All(entries, e => Assert.Matches("^debian/[ -~]+$", e.Path));
        }
    }

    [Theory]
    [InlineData(40, false)] // 4 GiB - 1: more than the decoder accepts
    [InlineData(36, false)] // 1 GiB: beyond liblzma's memory limit (256 MiB; xz -9 needs 65 MiB): refused, nothing allocated
    [InlineData(28, true)] // 64 MiB: xz -9's dictionary, the largest real archives use
    public void An_xz_header_claiming_a_huge_dictionary_is_harmless(byte dictionarySize, bool readable)
    {
        var plain = Encoding.UTF8.GetBytes(PackagesStanza("a", "1", "pool/a.deb", 1, Hash("a")));
        var xz = SystemTool.Run("xz", "-c -T1", plain);
        var headerLength = (xz[12] + 1) * 4;
        var header = xz.AsSpan(12, headerLength);
        var filter = header.IndexOf((ReadOnlySpan<byte>)[0x21, 0x01]);
        header[filter + 2] = dictionarySize;
        BitConverter.TryWriteBytes(header[^4..], Crc32(header[..^4]));

        var before = GC.GetAllocatedBytesForCurrentThread();
        (var result, var entries) = Read($"{Dir}/Packages.xz", xz);

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 << 20);
        Assert.Equal(readable, result.Stats.Completed);
        Assert.Equal(readable ? 1 : 0, entries.Count);
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
            }
        }

        return ~crc;
    }

    [Fact]
    public void A_single_endless_line_is_skipped_in_bounded_memory()
    {
        byte[] content = [.. Encoding.ASCII.GetBytes("X-Junk: "), .. Enumerable.Repeat((byte)'a', 50 << 20)];

        var before = GC.GetAllocatedBytesForCurrentThread();
        (var result, var entries) = Read($"{Dir}/Packages", content);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(entries);
        Assert.True(result.Stats.Completed);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void An_endless_wanted_field_is_dropped_at_the_value_limit()
    {
        byte[] content = [.. Encoding.ASCII.GetBytes("Filename: "), .. Enumerable.Repeat((byte)'a', 3 << 20), .. Encoding.ASCII.GetBytes($"\nSize: 1\nSHA256: {Hash("x")}\n")];
        var info = MetadataFile.Classify($"{Dir}/Packages")!;

        using var result = MetadataReader.Read(info, new MemoryStream(content), 4096, 1 << 20, CancellationToken.None);

        Assert.Empty(result.Entries);
        Assert.Equal(1, result.Stats.SkippedEntries);
        Assert.Equal(1, result.Stats.MalformedLines);
    }

    [Fact]
    public void A_stream_that_breaks_mid_file_is_a_failed_result()
    {
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => PackagesStanza($"p{i}", "1", $"pool/p{i}.deb", i, Hash($"p{i}")))));
        var info = MetadataFile.Classify($"{Dir}/Packages")!;

        using var result = MetadataReader.Read(info, new BreakingStream(plain, plain.Length / 2), 4096, 1 << 20, CancellationToken.None);
        List<IndexedFile> entries = [.. result.Entries];

        Assert.InRange(entries.Count, 40, 60);
        Assert.Equal("connection reset", result.Stats.Error);
    }

    [Fact]
    public void Cancellation_stops_the_parse()
    {
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => PackagesStanza($"p{i}", "1", $"pool/p{i}.deb", i, Hash($"p{i}")))));
        using var cancellation = new CancellationTokenSource();
        var info = MetadataFile.Classify($"{Dir}/Packages")!;
        using var result = MetadataReader.Read(info, new MemoryStream(plain), 4096, 1 << 20, cancellation.Token);

        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in result.Entries)
            {
                cancellation.Cancel();
            }
        });
    }

    [Fact]
    public void Entries_can_be_enumerated_only_once()
    {
        (var result, _) = Read($"{Dir}/Packages", PackagesStanza("a", "1", "pool/a.deb", 1, Hash("a")));

        Assert.Throws<InvalidOperationException>(() => result.Entries.ToList());
    }

    /// <summary>Delivers some bytes, then fails like a dropped connection.</summary>
    private sealed class BreakingStream(byte[] content, int breakAt) : ReadOnlyStream
    {
        private int _position;

        public override int Read(Span<byte> buffer)
        {
            if (_position >= breakAt)
            {
                throw new IOException("connection reset");
            }

            var n = Math.Min(buffer.Length, breakAt - _position);
            content.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }
}
