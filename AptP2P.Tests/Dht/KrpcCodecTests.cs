using System.Net;
using System.Text;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Bencode;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Tests.Dht;

public sealed class KrpcCodecTests
{
    private static readonly NodeId Sender = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");
    private static readonly NodeId Target = NodeId.Parse("fedcba9876543210fedcba9876543210fedcba98");
    private static readonly byte[] Tid = [0xab, 0xcd];

    private static T RoundTrip<T>(KrpcMessage message) where T : KrpcMessage
    {
        var bytes = KrpcBytes.Of(message);
        // Every encoded message is strict bencode (sorted keys, no duplicates) and under a datagram's size.
        Assert.True(BencodeDocument.IsValid(bytes), Encoding.Latin1.GetString(bytes));
        Assert.True(bytes.Length < 1400);
        var decoded = KrpcDecoder.Decode(bytes);
        Assert.Null(decoded.Problem);
        return Assert.IsType<T>(decoded.Message);
    }

    [Theory]
    [InlineData(KrpcMethod.Ping)]
    [InlineData(KrpcMethod.FindNode)]
    [InlineData(KrpcMethod.GetPeers)]
    [InlineData(KrpcMethod.Get)]
    public void Queries_round_trip(KrpcMethod method)
    {
        var query = RoundTrip<KrpcQuery>(new KrpcQuery(Tid, method, Sender) { Target = Target, ReadOnly = true });
        Assert.Equal(method, query.Method);
        Assert.Equal(Sender, query.SenderId);
        Assert.Equal(Tid, query.TransactionId);
        Assert.True(query.ReadOnly);
        if (method != KrpcMethod.Ping)
            Assert.Equal(Target, query.Target);
    }

    [Fact]
    public void Announce_peer_round_trips_with_token_and_port()
    {
        var query = RoundTrip<KrpcQuery>(new KrpcQuery(Tid, KrpcMethod.AnnouncePeer, Sender) { Target = Target, Port = 9977, Token = [1, 2, 3] });
        Assert.Equal(9977, query.Port);
        Assert.False(query.ImpliedPort);
        Assert.Equal(new byte[] { 1, 2, 3 }, query.Token);
    }

    [Fact]
    public void Mutable_put_round_trips_with_the_value_as_sent()
    {
        var put = new PutArguments("d1:xi1ee"u8.ToArray(), new byte[32], new byte[64], "s"u8.ToArray(), 5, 4);
        var query = RoundTrip<KrpcQuery>(new KrpcQuery(Tid, KrpcMethod.Put, Sender) { Token = [9], Put = put });
        Assert.Equal(put.Value, query.Put!.Value);
        Assert.Equal(5, query.Put.Seq);
        Assert.Equal(4, query.Put.Cas);
        Assert.Equal("s"u8.ToArray(), query.Put.Salt);
    }

    [Fact]
    public void Responses_round_trip_with_nodes_values_token_item_and_our_address()
    {
        var nodes = Enumerable.Range(1, 8).Select(i => new NodeContact(NodeId.Random(new Random(i)), new IPEndPoint(IPAddress.Parse($"10.0.0.{i}"), 6880 + i))).ToList();
        var values = Enumerable.Range(1, 50).Select(i => new IPEndPoint(IPAddress.Parse($"192.0.2.{i}"), 9977)).ToList();
        var response = RoundTrip<KrpcResponse>(new KrpcResponse(Tid, Sender)
        {
            Nodes = nodes,
            Values = values,
            Token = [7, 7],
            RequesterAddress = new IPEndPoint(IPAddress.Parse("203.0.113.5"), 4242),
            Value = "3:abc"u8.ToArray(),
            Key = new byte[32],
            Signature = new byte[64],
            Seq = 3,
        });
        Assert.Equal(nodes, response.Nodes);
        Assert.Equal(values, response.Values);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 4242), response.RequesterAddress);
        Assert.Equal(3, response.Seq);
        Assert.Equal("3:abc"u8.ToArray(), response.Value);
    }

    [Fact]
    public void Errors_round_trip()
    {
        var error = RoundTrip<KrpcError>(new KrpcError(Tid, 204, "Method Unknown"));
        Assert.Equal(204, error.Code);
        Assert.Equal("Method Unknown", error.Text);
    }

    [Fact]
    public void An_unknown_method_decodes_as_unknown_so_it_can_be_answered_with_204()
    {
        var packet = "d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:aa1:y1:qe"u8.ToArray();
        var query = Assert.IsType<KrpcQuery>(KrpcDecoder.Decode(packet).Message);
        Assert.Equal(KrpcMethod.Unknown, query.Method);
    }

    [Theory]
    [InlineData("d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe", true)]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe", true)]
    [InlineData("d1:ad2:id20:abcdefghij01234567899:info_hash20:abcdefghij01234567894:porti0e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe", true)]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q3:put1:t2:aa1:y1:qe", true)]
    [InlineData("d1:q4:ping1:t2:aa1:y1:qe", true)]
    [InlineData("d1:t2:aa1:y1:ze", false)]
    [InlineData("d1:y1:qe", false)]
    [InlineData("l1:t2:aae", false)]
    [InlineData("d1:rd2:id2:xxe1:t2:aa1:y1:re", false)]
    public void Malformed_messages_are_problems_and_queries_among_them_get_203(string packet, bool answerWith203)
    {
        var result = KrpcDecoder.Decode(Encoding.Latin1.GetBytes(packet));
        Assert.Null(result.Message);
        Assert.NotNull(result.Problem);
        Assert.Equal(answerWith203, result.ShouldAnswerWithError);
    }
}
