using System.Text;
using AptP2P.Engine;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Items;

namespace AptP2P.Tests.Dht;

/// <summary>BEP 44's published test vectors, and PROTOCOL.md §2.1's derived keys.</summary>
public sealed class Bep44VectorTests
{
    private static readonly byte[] PublicKey = Convert.FromHexString("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
    private static readonly byte[] Value = "12:Hello World!"u8.ToArray();
    private static readonly byte[] Signature1 = Convert.FromHexString(
        "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01");
    private static readonly byte[] Signature2 = Convert.FromHexString(
        "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08");
    private static readonly byte[] Salt = "foobar"u8.ToArray();

    [Fact]
    public void Test_1_mutable_signed_bytes_target_and_signature()
    {
        Assert.Equal("3:seqi1e1:v12:Hello World!", Encoding.ASCII.GetString(MutableItem.SignedBytes([], 1, Value)));
        Assert.Equal("4a533d47ec9c7d95b1ad75f576cffc641853b750", MutableItem.TargetOf(PublicKey, []).ToString());
        Assert.True(MutableItem.Verify(PublicKey, [], 1, Value, Signature1));
    }

    [Fact]
    public void Test_2_mutable_with_salt_signed_bytes_target_and_signature()
    {
        Assert.Equal("4:salt6:foobar3:seqi1e1:v12:Hello World!", Encoding.ASCII.GetString(MutableItem.SignedBytes(Salt, 1, Value)));
        Assert.Equal("411eba73b6f087ca51a3795d9c8c938d365e32c1", MutableItem.TargetOf(PublicKey, Salt).ToString());
        Assert.True(MutableItem.Verify(PublicKey, Salt, 1, Value, Signature2));
    }

    [Fact]
    public void Test_3_immutable_target()
    {
        Assert.Equal("e5f96f6f38320f0f33959cb4d3d656452117aadb", NodeId.Sha1(Value).ToString());
    }

    [Fact]
    public void A_signature_does_not_verify_for_another_seq_salt_value_or_key()
    {
        Assert.False(MutableItem.Verify(PublicKey, [], 2, Value, Signature1));
        Assert.False(MutableItem.Verify(PublicKey, Salt, 1, Value, Signature1));
        Assert.False(MutableItem.Verify(PublicKey, [], 1, "12:Hello World?"u8, Signature1));
        var otherKey = (byte[])PublicKey.Clone();
        otherKey[0] ^= 1;
        Assert.False(MutableItem.Verify(otherKey, [], 1, Value, Signature1));
        Assert.False(MutableItem.Verify(PublicKey, [], 1, Value, Signature1.AsSpan(0, 63)));
    }

    [Fact]
    public void Values_that_are_not_bencode_or_too_big_are_refused_before_signing()
    {
        var seed = new byte[32];
        Assert.Throws<ArgumentException>(() => MutableItem.Create(seed, [], 1, "d1:ai1ee1:b"u8));
        Assert.Throws<ArgumentException>(() => MutableItem.Create(seed, [], 1, "not bencode"u8));
        Assert.Throws<ArgumentException>(() => MutableItem.Create(seed, [], 1, new BencodeString(new byte[997]).ToArray()));
        Assert.Throws<ArgumentException>(() => MutableItem.Create(seed, new byte[65], 1, "i1e"u8));
        Assert.Equal(1000, MutableItem.Create(seed, [], 1, new BencodeString(new byte[996]).ToArray()).Value.Length);
    }

    [Fact]
    public void Piece_list_items_are_identical_from_every_publisher_and_verify()
    {
        var file = ContentHash.Compute("some file"u8);
        var value = "d1:li262144e1:p20:aaaaaaaaaaaaaaaaaaaa1:si300000ee"u8.ToArray();
        var first = PieceListItem.Create(file, value);
        var second = PieceListItem.Create(file, value);
        Assert.Equal(first.Signature, second.Signature);
        Assert.Equal(1, first.Seq);
        Assert.Empty(first.Salt);
        Assert.True(first.VerifySignature());
        Assert.True(PieceListItem.IsAcceptable(file, first));
        Assert.Equal(PieceListItem.TargetFor(file), first.Target);
        // Another file's key, or another seq, is refused.
        Assert.False(PieceListItem.IsAcceptable(ContentHash.Compute("other"u8), first));
        Assert.False(PieceListItem.IsAcceptable(file, MutableItem.Create(PieceListItem.SeedFor(file), [], 2, value)));
    }
}
