using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Decompression;
using AptP2P.Engine.Apt.Parsing;
using static AptP2P.Tests.Apt.MetadataSamples;

namespace AptP2P.Tests.Apt;

public sealed class DecompressionTests
{
    private const string Dir = "debian/dists/bookworm/main/binary-amd64";

    private static readonly byte[] Plain = Encoding.UTF8.GetBytes(string.Concat(
        Enumerable.Range(0, 500).Select(i => PackagesStanza($"pkg{i}", "1.0-1", $"pool/main/p/pkg{i}/pkg{i}_1.0-1_amd64.deb", 1000 + i, Hash($"pkg{i}")))));

    private static readonly List<IndexedFile> Expected = Read($"{Dir}/Packages", Plain).Entries;

    public static readonly TheoryData<string, string, string> Tools = new()
    {
        { "gzip", "-9nc", ".gz" },
        { "xz", "-6c", ".xz" },
        { "bzip2", "-9c", ".bz2" },
    };

    [Theory]
    [MemberData(nameof(Tools))]
    public void Files_compressed_by_the_system_tools_read_like_the_plain_file(string tool, string arguments, string suffix)
    {
        var compressed = SystemTool.Run(tool, arguments, Plain);

        (var result, var entries) = Read($"{Dir}/Packages{suffix}", compressed);

        Assert.Equal(500, Expected.Count);
        Assert.Equal(Expected, entries);
        Assert.True(result.Stats.Completed, result.Stats.Error);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public void Input_trickling_in_a_few_bytes_at_a_time_reads_the_same(string tool, string arguments, string suffix)
    {
        byte[] twice = [.. SystemTool.Run(tool, arguments, Plain), .. SystemTool.Run(tool, arguments, Plain)];
        var info = MetadataFile.Classify($"{Dir}/Packages{suffix}")!;

        using var result = MetadataReader.Read(info, new TrickleStream(suffix == ".gz" ? twice[..(twice.Length / 2)] : twice, seed: 3), TestContext.Current.CancellationToken);
        List<IndexedFile> entries = [.. result.Entries];

        Assert.True(result.Stats.Completed, result.Stats.Error);
        Assert.Equal(suffix == ".gz" ? Expected : [.. Expected, .. Expected], entries);
    }

    [Theory]
    [InlineData("gzip", "-c", "Packages.xz")]
    [InlineData("xz", "-c", "Packages.gz")]
    [InlineData("xz", "-c", "Packages")]
    [InlineData("bzip2", "-c", "Packages.gz")]
    [InlineData(null, null, "Packages.gz")]
    [InlineData(null, null, "Packages.bz2")]
    public void Magic_bytes_win_over_the_declared_compression(string? tool, string? arguments, string name)
    {
        var content = tool is null ? Plain : SystemTool.Run(tool, arguments!, Plain);

        (var result, var entries) = Read($"{Dir}/{name}", content);

        Assert.Equal(Expected, entries);
        Assert.True(result.Stats.Completed, result.Stats.Error);
    }

    [Fact]
    public void Multi_block_and_concatenated_xz_streams_are_read_whole()
    {
        var blocks = SystemTool.Run("xz", "-c -T2 --block-size=4KiB", Plain);
        byte[] twice = [.. blocks, 0, 0, 0, 0, .. SystemTool.Run("xz", "-c --check=crc32", Plain)];

        (var result, var entries) = Read($"{Dir}/Packages.xz", twice);

        Assert.True(result.Stats.Completed, result.Stats.Error);
        Assert.Equal([.. Expected, .. Expected], entries);
    }

    [Fact]
    public void Concatenated_bzip2_streams_are_read_whole()
    {
        var compressed = SystemTool.Run("bzip2", "-c", Plain);

        (var result, var entries) = Read($"{Dir}/Packages.bz2", [.. compressed, .. compressed]);

        Assert.True(result.Stats.Completed, result.Stats.Error);
        Assert.Equal(1000, entries.Count);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public void A_truncated_compressed_file_fails_after_the_entries_before_the_cut(string tool, string arguments, string suffix)
    {
        var compressed = SystemTool.Run(tool, arguments, Plain);

        foreach (var length in new[] { compressed.Length / 2, compressed.Length - 3, compressed.Length - 1 })
        {
            (var result, var entries) = Read($"{Dir}/Packages{suffix}", compressed[..length]);

            Assert.True(result.Stats.Failed, $"{tool} cut to {length} of {compressed.Length} bytes was not reported");
            Assert.False(result.Stats.Completed);
            Assert.All(entries, e => Assert.Contains(e, Expected));
        }
    }

    [Fact]
    public void OpenDecompressed_streams_the_content()
    {
        var compressed = SystemTool.Run("xz", "-c", Plain);

        using var content = MetadataFile.OpenDecompressed(new MemoryStream(compressed), Compression.Xz);
        using var output = new MemoryStream();
        content.CopyTo(output);

        Assert.Equal(Plain, output.ToArray());
    }

    [Fact]
    public void OpenDecompressed_leaves_the_raw_stream_open_only_when_asked()
    {
        var kept = new MemoryStream(Plain);
        var closed = new MemoryStream(Plain);

        MetadataFile.OpenDecompressed(kept, Compression.None, leaveOpen: true).Dispose();
        MetadataFile.OpenDecompressed(closed, Compression.None).Dispose();

        Assert.True(kept.CanRead);
        Assert.False(closed.CanRead);
    }

    [Fact]
    public void An_empty_gzip_file_is_valid()
    {
        (var result, var entries) = Read($"{Dir}/Packages.gz", SystemTool.Run("gzip", "-c", []));

        Assert.Empty(entries);
        Assert.True(result.Stats.Completed, result.Stats.Error);
    }

    [Theory]
    [InlineData("Packages.zst", new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0 })]
    [InlineData("Packages.gz", new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0 })]
    [InlineData("Packages.lz4", new byte[] { 0x04, 0x22, 0x4D, 0x18, 0, 0, 0, 0 })]
    [InlineData("Packages.lzma", new byte[] { 0x5D, 0, 0, 0x80, 0, 0xFF, 0xFF, 0xFF })]
    public void Unsupported_compression_is_a_failed_result(string name, byte[] content)
    {
        (var result, var entries) = Read($"{Dir}/{name}", content);

        Assert.Empty(entries);
        Assert.True(result.Stats.Failed);
        Assert.Contains("not supported", result.Stats.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_member_gzip_file_is_read_but_flagged()
    {
        // The trailer check cannot tell a second member from a truncated first one; archives do not publish such files.
        var member = SystemTool.Run("gzip", "-c", Plain);

        (var result, var entries) = Read($"{Dir}/Packages.gz", [.. member, .. member]);

        Assert.Equal(1000, entries.Count);
        Assert.True(result.Stats.Failed);
    }
}
