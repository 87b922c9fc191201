using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Decompression;
using static AptP2P.Tests.Apt.MetadataSamples;

namespace AptP2P.Tests.Apt;

/// <summary>
/// xz through the system's liblzma and through SharpCompress (the fallback where liblzma is missing): the same bytes, or the
/// same kind of failure, for every case the managed path handles. Inputs are made by the real xz tool.
/// </summary>
public sealed class NativeXzTests
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes(string.Concat(
        Enumerable.Range(0, 2000).Select(i => PackagesStanza($"pkg{i}", "1.0-1", $"pool/main/p/pkg{i}/pkg{i}_1.0-1_amd64.deb", 1000 + i, Hash($"pkg{i}")))));

    public static readonly TheoryData<string> Cases = ["plain", "multi-block", "concatenated", "concatenated with padding", "crc32", "sha256", "none-check", "empty", "trickled"];

    [Fact]
    public void Liblzma_is_there_on_debian() =>
        Assert.True(NativeXzStream.IsAvailable, "liblzma.so.5 did not load: install liblzma5 (apt-get install liblzma5; dpkg depends on it)");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_decoders_give_the_plain_bytes(string kind)
    {
        var (compressed, expected) = Make(kind);

        Assert.Equal(expected, Decode(compressed, native: true, trickle: kind == "trickled"));
        Assert.Equal(expected, Decode(compressed, native: false, trickle: kind == "trickled"));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.99)]
    [InlineData(0.1)]
    public void A_truncated_file_is_a_clear_error_from_both_never_a_hang(double keep)
    {
        var whole = SystemTool.Run("xz", "-6c", Plain);
        var cut = whole[..(int)(whole.Length * keep)];

        foreach (var native in new[] { true, false })
        {
            var failure = Record.Exception(() => Decode(cut, native, trickle: false));
            Assert.IsType<InvalidDataException>(failure);
        }
    }

    [Fact]
    public void Corrupt_data_is_a_clear_error_from_both()
    {
        var damaged = SystemTool.Run("xz", "-6c", Plain);
        for (var i = damaged.Length / 3; i < damaged.Length / 3 + 64; i++)
            damaged[i] ^= 0x5a;

        foreach (var native in new[] { true, false })
            Assert.IsType<InvalidDataException>(Record.Exception(() => Decode(damaged, native, trickle: false)));
    }

    [Fact]
    public void Trailing_garbage_after_the_last_stream_is_an_error_from_both()
    {
        byte[] withGarbage = [.. SystemTool.Run("xz", "-6c", Plain), .. "not xz at all"u8];

        foreach (var native in new[] { true, false })
            Assert.IsType<InvalidDataException>(Record.Exception(() => Decode(withGarbage, native, trickle: false)));
    }

    private static (byte[] Compressed, byte[] Expected) Make(string kind)
    {
        var half = Plain[..(Plain.Length / 2)];
        return kind switch
        {
            "plain" => (SystemTool.Run("xz", "-6c", Plain), Plain),
            "multi-block" => (SystemTool.Run("xz", "-c -T2 --block-size=4KiB", Plain), Plain),
            "concatenated" => ([.. SystemTool.Run("xz", "-c", half), .. SystemTool.Run("xz", "-c", Plain)], [.. half, .. Plain]),
            "concatenated with padding" => ([.. SystemTool.Run("xz", "-c", half), 0, 0, 0, 0, 0, 0, 0, 0, .. SystemTool.Run("xz", "-c --check=crc32", Plain)], [.. half, .. Plain]),
            "crc32" => (SystemTool.Run("xz", "-c --check=crc32", Plain), Plain),
            "sha256" => (SystemTool.Run("xz", "-c --check=sha256", Plain), Plain),
            "none-check" => (SystemTool.Run("xz", "-c --check=none", Plain), Plain),
            "empty" => (SystemTool.Run("xz", "-c", []), []),
            "trickled" => (SystemTool.Run("xz", "-c -T2 --block-size=4KiB", Plain), Plain),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static byte[] Decode(byte[] compressed, bool native, bool trickle)
    {
        Stream raw = trickle ? new TrickleStream(compressed, seed: 7) : new MemoryStream(compressed);
        using var decoded = Decompressor.Open(raw, Compression.Xz, nativeXz: native);
        using var plain = new MemoryStream();
        decoded.CopyTo(plain);
        return plain.ToArray();
    }
}
