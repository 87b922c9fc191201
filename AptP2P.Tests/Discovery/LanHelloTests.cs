using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;

namespace AptP2P.Tests.Discovery;

public sealed class LanHelloTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly NodeId Id = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");

    private static LanHello Hello(bool reply = false, bool joining = true) => new(Id, 9977, Now.ToUnixTimeSeconds(), reply, joining);

    [Fact]
    public void An_open_hello_is_36_bytes_in_the_documented_layout_and_reads_back()
    {
        var bytes = Hello().Encode(key: null);

        Assert.Equal("41504c440104" + "26f9" + "0123456789abcdef0123456789abcdef01234567" + Now.ToUnixTimeSeconds().ToString("x16", System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexStringLower(bytes));
        Assert.Equal(HelloProblem.None, LanHello.TryDecode(bytes, null, Now, out var read));
        Assert.Equal(Hello(), read);
    }

    [Fact]
    public void A_proven_hello_carries_an_hmac_that_only_the_same_key_accepts_and_not_the_key_itself()
    {
        var key = SwarmKey.From("lab secret")!;
        var bytes = Hello(reply: true, joining: false).Encode(key);

        Assert.Equal(LanHello.ProvenLength, bytes.Length);
        Assert.Equal(1 | 2, bytes[5]);
        Assert.DoesNotContain("lab secret", System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(HelloProblem.None, LanHello.TryDecode(bytes, SwarmKey.From("lab secret"), Now, out var read));
        Assert.True(read!.IsReply);
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(bytes, SwarmKey.From("another secret"), Now, out _));
        // A node without a key does not take hellos of a closed swarm, and a closed swarm does not take open hellos.
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(bytes, null, Now, out _));
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(Hello().Encode(null), key, Now, out _));
    }

    [Fact]
    public void A_proven_hello_older_or_newer_than_ten_minutes_is_refused_and_an_altered_one_too()
    {
        var key = SwarmKey.From("k")!;
        var bytes = Hello().Encode(key);

        Assert.Equal(HelloProblem.None, LanHello.TryDecode(bytes, key, Now + TimeSpan.FromMinutes(9.9), out _));
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(bytes, key, Now + TimeSpan.FromMinutes(10.1), out _));
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(bytes, key, Now - TimeSpan.FromMinutes(10.1), out _));
        bytes[7] ^= 1;
        Assert.Equal(HelloProblem.OtherSwarm, LanHello.TryDecode(bytes, key, Now, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("41")]
    [InlineData("41504c4401")]
    public void Short_datagrams_are_malformed(string hex) =>
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Convert.FromHexString(hex), null, Now, out _));

    [Fact]
    public void Wrong_magic_lengths_flags_and_port_are_malformed_and_another_version_is_told_apart()
    {
        byte[] Altered(Action<byte[]> change)
        {
            var bytes = Hello().Encode(null);
            change(bytes);
            return bytes;
        }

        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Altered(b => b[0] = (byte)'X'), null, Now, out _));
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode([.. Hello().Encode(null), 0], null, Now, out _));
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Altered(b => b[5] = 0x80), null, Now, out _));
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Altered(b => b[5] = 2 | 4), null, Now, out _));
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Altered(b => b[5] = 1), null, Now, out _));
        Assert.Equal(HelloProblem.Malformed, LanHello.TryDecode(Altered(b => b[6] = b[7] = 0), null, Now, out _));
        Assert.Equal(HelloProblem.UnknownVersion, LanHello.TryDecode(Altered(b => b[4] = 2), null, Now, out _));
    }

    [Fact]
    public void Peer_proofs_verify_within_the_window_under_the_same_key_only()
    {
        var key = SwarmKey.From("k")!;
        var proof = key.PeerProof(Now);

        Assert.Matches("^[0-9]+:[0-9a-f]{64}$", proof);
        Assert.True(key.VerifiesPeerProof(proof, Now + TimeSpan.FromMinutes(5)));
        Assert.False(key.VerifiesPeerProof(proof, Now + TimeSpan.FromMinutes(11)));
        Assert.False(SwarmKey.From("K")!.VerifiesPeerProof(proof, Now));
        foreach (var garbage in new[] { null, "", ":", "12:zz", "x:" + new string('0', 64), proof[..^1], proof + "0", new string('9', 200) })
            Assert.False(key.VerifiesPeerProof(garbage, Now), garbage);
        Assert.Null(SwarmKey.From(""));
        Assert.Null(SwarmKey.From(null));
    }
}
