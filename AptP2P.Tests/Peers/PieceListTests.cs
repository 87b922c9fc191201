using System.Security.Cryptography;
using AptP2P.Engine;
using AptP2P.Engine.Pieces;

namespace AptP2P.Tests.Peers;

public sealed class PieceListTests
{
    [Theory]
    [InlineData(262_145L, 262_144, 2)]
    [InlineData(40L * 262_144, 262_144, 40)]
    [InlineData(40L * 262_144 + 1, 524_288, 21)]
    [InlineData(24L * 1024 * 1024 + 4000, 1_048_576, 25)]
    [InlineData(200L * 1024 * 1024, 8_388_608, 25)]
    public void Piece_length_is_the_smallest_power_of_two_of_at_least_256_KiB_giving_at_most_40_pieces(long size, int length, int count)
    {
        Assert.Equal(length, PieceList.PieceLengthFor(size));
        Assert.Equal(count, PieceList.PieceCountFor(size, length));
    }

    [Fact]
    public void A_computed_list_encodes_decodes_and_verifies_pieces()
    {
        var bytes = RandomNumberGenerator.GetBytes(1_000_000);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, bytes);
            using var handle = File.OpenHandle(path);
            var list = PieceList.Compute(handle, bytes.Length);

            var encoded = list.Encode();
            var decoded = PieceList.TryDecode(encoded, bytes.Length);

            Assert.NotNull(decoded);
            Assert.StartsWith("d1:li262144e1:p80:", System.Text.Encoding.Latin1.GetString(encoded), StringComparison.Ordinal);
            Assert.EndsWith("1:si1000000ee", System.Text.Encoding.Latin1.GetString(encoded), StringComparison.Ordinal);
            Assert.Equal(4, decoded.Count);
            Assert.True(decoded.Verify(3, bytes.AsSpan(3 * 262_144)));
            bytes[3 * 262_144] ^= 1;
            Assert.False(decoded.Verify(3, bytes.AsSpan(3 * 262_144)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(262_145, 1)]
    [InlineData(1_000_000, 65_536)]
    [InlineData(1_000_000, 262_144)]
    [InlineData(10L * 262_144, 100_003)]
    [InlineData(11_111_111, 131_072)]
    public void Pieces_hashed_as_the_file_is_written_equal_the_list_computed_from_the_stored_file(long size, int chunk)
    {
        var bytes = RandomNumberGenerator.GetBytes((int)size);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, bytes);
            using var handle = File.OpenHandle(path);
            var computed = PieceList.Compute(handle, size).Encode();

            using var hasher = new PieceHasher(size);
            // A first attempt the mirror started over (it ignored a resume): what came before counts for nothing.
            hasher.Append(RandomNumberGenerator.GetBytes(1000));
            hasher.Reset();
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                Assert.Null(hasher.Result);
                hasher.Append(bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset)));
            }

            Assert.Equal(computed, hasher.Result!.Encode());
            Assert.Throws<InvalidOperationException>(() => hasher.Append(new byte[1]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("d1:li262144e1:p40:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1:si300000ee", 300_001)]
    [InlineData("d1:li524288e1:p40:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1:si300000ee", 300_000)]
    [InlineData("d1:li262144e1:p20:xxxxxxxxxxxxxxxxxxxx1:si300000ee", 300_000)]
    [InlineData("d1:li262144e1:p40:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1:si300000e1:xi0ee", 300_000)]
    [InlineData("d1:li100e1:p20:xxxxxxxxxxxxxxxxxxxx1:si100ee", 100)]
    [InlineData("garbage", 300_000)]
    public void Lists_that_break_the_protocol_rules_are_refused(string encoded, long size)
    {
        Assert.Null(PieceList.TryDecode(System.Text.Encoding.Latin1.GetBytes(encoded), size));
    }

    [Fact]
    public void A_valid_list_is_accepted()
    {
        var encoded = "d1:li262144e1:p40:aaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbb1:si300000ee"u8.ToArray();

        var list = PieceList.TryDecode(encoded, 300_000);

        Assert.NotNull(list);
        Assert.Equal((262_144, 300_000L, 2), (list.PieceLength, list.FileSize, list.Count));
        Assert.False(list.IsWholeFile);
        // p holds each piece's first 20 bytes of SHA-256, in order.
        Assert.True(list.Matches(0, [.. "aaaaaaaaaaaaaaaaaaaa"u8, .. new byte[12]]));
        Assert.True(list.Matches(1, [.. "bbbbbbbbbbbbbbbbbbbb"u8, .. new byte[12]]));
        Assert.False(list.Matches(1, [.. "aaaaaaaaaaaaaaaaaaaa"u8, .. new byte[12]]));
        Assert.Equal(encoded, list.Encode());
    }

    [Fact]
    public void A_single_piece_file_is_checked_against_its_own_sha256()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var list = PieceList.SinglePiece(ContentHash.Compute(bytes), bytes.Length);
        Assert.True(list.Verify(0, bytes));
        Assert.False(list.Verify(0, bytes.AsSpan(1).ToArray()));
    }
}
