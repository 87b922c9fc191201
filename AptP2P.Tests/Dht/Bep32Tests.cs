using System.Net;
using System.Text;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Bencode;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Routing;
using AptP2P.Engine.Dht.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AptP2P.Tests.Dht;

/// <summary>BEP 32 (IPv6): nodes6, 18-byte peers and addresses, want, BEP 42 for IPv6, and two nodes of one machine as siblings.</summary>
public sealed class Bep32Tests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly NodeId Sender = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");
    private static readonly byte[] Tid = [0x01, 0x02];

    private static KrpcMessage Decode(byte[] bytes)
    {
        var decoded = KrpcDecoder.Decode(bytes);
        Assert.Null(decoded.Problem);
        return decoded.Message!;
    }

    [Fact]
    public void Nodes_of_each_family_travel_in_their_own_field_and_come_back_together()
    {
        NodeContact[] nodes =
        [
            new(NodeId.Random(), IPEndPoint.Parse("203.0.113.5:6881")),
            new(NodeId.Random(), IPEndPoint.Parse("[2001:db8::7]:6881")),
            new(NodeId.Random(), IPEndPoint.Parse("[2001:db8:1::9]:51413")),
        ];
        var bytes = KrpcBytes.Of(new KrpcResponse(Tid, Sender) { Nodes = nodes, Token = [7] });

        Assert.True(BencodeDocument.IsValid(bytes), Encoding.Latin1.GetString(bytes));
        var text = Encoding.Latin1.GetString(bytes);
        Assert.Contains("5:nodes26:", text, StringComparison.Ordinal);
        Assert.Contains("6:nodes676:", text, StringComparison.Ordinal);
        var response = Assert.IsType<KrpcResponse>(Decode(bytes));
        Assert.Equal(nodes.Select(n => (n.Id, n.EndPoint)), response.Nodes.Select(n => (n.Id, n.EndPoint)));
        Assert.Equal(0, response.MalformedEntries);
    }

    [Fact]
    public void Peers_are_6_or_18_bytes_and_our_address_as_seen_may_be_ipv6()
    {
        IPEndPoint[] peers = [IPEndPoint.Parse("198.51.100.4:9977"), IPEndPoint.Parse("[2001:db8::42]:9977")];
        var seenAs = IPEndPoint.Parse("[2001:db8::1]:9977");
        var bytes = KrpcBytes.Of(new KrpcResponse(Tid, Sender) { Values = peers, RequesterAddress = seenAs });

        Assert.Contains("2:ip18:", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        var response = Assert.IsType<KrpcResponse>(Decode(bytes));
        Assert.Equal(peers, response.Values);
        Assert.Equal(seenAs, response.RequesterAddress);
    }

    [Theory]
    [InlineData(WantedFamilies.IPv4, "4:wantl2:n4e")]
    [InlineData(WantedFamilies.IPv6, "4:wantl2:n6e")]
    [InlineData(WantedFamilies.IPv4 | WantedFamilies.IPv6, "4:wantl2:n42:n6e")]
    public void Want_is_sent_and_read(WantedFamilies want, string encoded)
    {
        foreach (var method in new[] { KrpcMethod.FindNode, KrpcMethod.GetPeers })
        {
            var bytes = KrpcBytes.Of(new KrpcQuery(Tid, method, Sender) { Target = NodeId.Random(), Want = want });
            Assert.True(BencodeDocument.IsValid(bytes));
            Assert.Contains(encoded, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
            Assert.Equal(want, Assert.IsType<KrpcQuery>(Decode(bytes)).Want);
        }
    }

    [Fact]
    public void Malformed_entries_are_skipped_and_counted_and_the_good_ones_kept()
    {
        var good6 = new byte[38];
        Random.Shared.NextBytes(good6);
        good6[36] = 0x1a;
        good6[37] = 0xe1;
        var zeroPort = new byte[38];
        Random.Shared.NextBytes(zeroPort);
        zeroPort[36] = zeroPort[37] = 0;
        var nodes6 = good6.Concat(zeroPort).Concat(new byte[5]).ToArray();
        byte[][] values = [[198, 51, 100, 4, 0x26, 0xf9], [1, 2, 3, 4, 5, 6, 7], [.. Enumerable.Range(1, 18).Select(i => (byte)i)]];
        var datagram = new BencodeDict()
            .Add("r", new BencodeDict()
                .Add("id", new BencodeString(Sender.ToArray()))
                .Add("nodes6", new BencodeString(nodes6))
                .Add("values", new BencodeList([.. values.Select(v => new BencodeString(v))])))
            .Add("t", new BencodeString(Tid))
            .Add("y", new BencodeString("r"u8.ToArray()))
            .ToArray();

        var response = Assert.IsType<KrpcResponse>(Decode(datagram));

        var node = Assert.Single(response.Nodes);
        Assert.Equal(6881, node.EndPoint.Port);
        Assert.Equal(2, response.Values.Count);
        // A zero port, a trailing partial entry of nodes6, a 7-byte value.
        Assert.Equal(3, response.MalformedEntries);
    }

    [Fact]
    public void Bep42_ids_for_ipv6_follow_the_first_64_bits_of_the_address()
    {
        var random = new Random(6);
        var address = IPAddress.Parse("2001:db8:85a3:1234:abcd::1");
        var sameSubnet = IPAddress.Parse("2001:db8:85a3:1234:ffff::77");
        var otherSubnet = IPAddress.Parse("2001:db8:85a3:9999::1");
        for (var i = 0; i < 100; i++)
        {
            var id = SecureNodeId.Generate(address, random);
            Assert.True(SecureNodeId.IsValid(id, address));
            Assert.True(SecureNodeId.IsValid(id, sameSubnet));
        }
        Assert.True(Enumerable.Range(0, 100).Select(_ => SecureNodeId.Generate(address, random)).Count(id => SecureNodeId.IsValid(id, otherSubnet)) < 5);
    }

    [Theory]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd42::7", true)]
    [InlineData("fc00::7", true)]
    [InlineData("2001:db8::1", false)]
    [InlineData("2a01:4f8::1", false)]
    public void Local_ipv6_addresses_are_exempt_from_bep42(string address, bool exempt) =>
        Assert.Equal(exempt, SecureNodeId.IsExempt(IPAddress.Parse(address)));

    /// <summary>
    /// Real sockets on loopback: A and B are each an IPv4 node on 127.0.0.1 with an IPv6 sibling on ::1; C is an IPv6 node B's
    /// IPv6 table knows. A's IPv4 lookup (want n4 n6) learns C from B's answer and hands it to its IPv6 sibling, which pings
    /// it into its own table: the IPv6 DHT joins through IPv4 with no IPv6 router.
    /// </summary>
    [Fact]
    public async Task A_dual_stack_node_fills_its_ipv6_table_from_answers_to_its_ipv4_lookups()
    {
        await using var a4 = Start(IPAddress.Loopback);
        await using var a6 = Start(IPAddress.IPv6Loopback);
        await using var b4 = Start(IPAddress.Loopback, start: false);
        await using var b6 = Start(IPAddress.IPv6Loopback, start: false);
        await using var c6 = Start(IPAddress.IPv6Loopback);
        (a4.Sibling, a6.Sibling) = (a6, a4);
        (b4.Sibling, b6.Sibling) = (b6, b4);
        b6.Restore(new NodeContact(c6.Id, c6.LocalEndPoint), DateTimeOffset.UtcNow);
        var other4 = Start(IPAddress.Loopback);
        await using var _ = other4;
        b4.Restore(new NodeContact(other4.Id, other4.LocalEndPoint), DateTimeOffset.UtcNow);
        b4.Start();
        b6.Start();

        Assert.True(await a4.BootstrapAsync([b4.LocalEndPoint], Ct));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (a6.KnownNodes == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50, Ct);
        Assert.True(a6.KnownNodes > 0, "A's IPv6 node never learnt C");
        Assert.True(a4.KnownNodes >= 1);
        // And the other way: an IPv6 query without want gets IPv6 nodes only; with want n4 also B's IPv4 table.
        var plain = await a6.QueryAsync(new KrpcQuery([], KrpcMethod.FindNode, default) { Target = NodeId.Random() }, b6.LocalEndPoint, cancellationToken: Ct);
        Assert.All(plain!.Nodes, n => Assert.False(n.IsIPv4));
        using var probe = new KrpcProbe(b6.LocalEndPoint);
        var both = Assert.IsType<KrpcResponse>(await probe.AskAsync(KrpcMethod.FindNode,
            q => q with { Target = NodeId.Random(), Want = WantedFamilies.IPv4 | WantedFamilies.IPv6 }, Ct));
        Assert.Contains(both.Nodes, n => n.IsIPv4 && n.EndPoint.Equals(other4.LocalEndPoint));
        Assert.Contains(both.Nodes, n => !n.IsIPv4);
    }

    private static DhtNode Start(IPAddress address, bool start = true)
    {
        var node = new DhtNode(new UdpDhtTransport(new IPEndPoint(address, 0), NullLogger<UdpDhtTransport>.Instance), new DhtOptions(),
            TimeProvider.System, NullLogger.Instance);
        if (start)
            node.Start();
        return node;
    }
}
