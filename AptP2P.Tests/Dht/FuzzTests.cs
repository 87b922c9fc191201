using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Bencode;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Testing.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AptP2P.Tests.Dht;

/// <summary>A running node on a real UDP socket takes 100,000 random and mutated datagrams and is still well.</summary>
/// <remarks>Alone: its memory check reads the whole process's heap, which parallel tests (a 65,000-stanza index) would fill.</remarks>
[Collection(AloneCollection.Name)]
public sealed class FuzzTests
{
    private const int Packets = 100_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_survives_100000_hostile_datagrams_and_still_answers_a_ping()
    {
        var logs = new LogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        // Loopback is exempt from the per-address limit, so every datagram reaches the decoder and the handlers.
        var options = new DhtOptions();
        // Any exception escaping the packet handler is logged as an error by the transport: the collector sees it.
        await using var node = new DhtNode(
            new UdpDhtTransport(new IPEndPoint(IPAddress.Loopback, 0), loggers.CreateLogger("udp")),
            options, TimeProvider.System, loggers.CreateLogger("node"));
        node.Start();
        using var fuzzer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fuzzer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        fuzzer.ReceiveBufferSize = 1 << 16;

        var corpus = Corpus();
        var random = new Random(1234);
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sent = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DatagramsIn(node) < Packets)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {DatagramsIn(node)} of {sent} datagrams arrived in time");
            for (var i = 0; i < 200; i++, sent++)
                fuzzer.SendTo(Mutate(corpus[random.Next(corpus.Count)], random), node.LocalEndPoint);
            // Pace the sender to the receiver so the kernel does not drop most of them; datagrams it did drop are not waited for.
            var last = DatagramsIn(node);
            for (var idle = 0; DatagramsIn(node) < sent - 400 && idle < 20;)
            {
                await Task.Delay(1, Ct);
                var now = DatagramsIn(node);
                idle = now == last ? idle + 1 : 0;
                last = now;
            }
        }
        GC.Collect();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        var stats = node.GetStatistics();
        Assert.True(stats.MalformedIn > Packets / 4, $"Only {stats.MalformedIn} datagrams were malformed: the mutations are too tame");
        Assert.True(stats.QueriesIn > 1000, $"Only {stats.QueriesIn} datagrams parsed as queries: the mutations are too wild");
        Assert.DoesNotContain(logs.Lines, l => l.Level >= LogLevel.Error);
        Assert.True(memoryAfter - memoryBefore < 64L << 20, $"Memory grew by {(memoryAfter - memoryBefore) >> 20} MiB");
        Assert.True(stats.PendingQueries <= 64, $"{stats.PendingQueries} queries pending");

        await using var checker = new DhtNode(
            new UdpDhtTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger<UdpDhtTransport>.Instance),
            new DhtOptions(), TimeProvider.System, NullLogger.Instance);
        checker.Start();
        Assert.Equal(node.Id, await checker.PingAsync(node.LocalEndPoint, Ct));
    }

    private static long DatagramsIn(DhtNode node) => node.GetStatistics().DatagramsIn;

    [Fact]
    public void The_decoder_never_throws_on_mutated_packets()
    {
        var corpus = Corpus();
        var random = new Random(777);
        for (var i = 0; i < 200_000; i++)
        {
            var packet = Mutate(corpus[random.Next(corpus.Count)], random);
            try
            {
                KrpcDecoder.Decode(packet);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{ex}\npacket: {Convert.ToHexString(packet)}\n{System.Text.Encoding.Latin1.GetString(packet)}");
            }
        }
    }

    /// <summary>Valid messages of every kind, the seeds of the mutations.</summary>
    private static List<byte[]> Corpus()
    {
        var random = new Random(99);
        var id = NodeId.Random(random);
        var target = NodeId.Random(random);
        byte[] tid = [1, 2];
        var nodes = Enumerable.Range(0, 8).Select(i => new NodeContact(NodeId.Random(random), new IPEndPoint(IPAddress.Parse($"10.0.0.{i + 1}"), 6881))).ToList();
        var item = Engine.Dht.Items.MutableItem.Create(new byte[32], "salt"u8, 3, "d1:ai1ee"u8);
        return
        [
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.Ping, id)),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.FindNode, id) { Target = target }),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.GetPeers, id) { Target = target, ReadOnly = true }),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.AnnouncePeer, id) { Target = target, Port = 9977, Token = [1, 2, 3, 4, 5, 6, 7, 8] }),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.Get, id) { Target = target, Seq = 2 }),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.Put, id) { Token = [1, 2], Put = new(item.Value, item.Key, item.Signature, item.Salt, item.Seq, 2) }),
            KrpcBytes.Of(new KrpcQuery(tid, KrpcMethod.Put, id) { Token = [1, 2], Put = new("5:hello"u8.ToArray(), null, null, [], 0, null) }),
            KrpcBytes.Of(new KrpcResponse(tid, id) { Nodes = nodes, Values = [new IPEndPoint(IPAddress.Loopback, 1)], Token = [1], RequesterAddress = new IPEndPoint(IPAddress.Loopback, 2) }),
            KrpcBytes.Of(new KrpcResponse(tid, id) { Value = item.Value, Key = item.Key, Signature = item.Signature, Seq = 3 }),
            KrpcBytes.Of(new KrpcError(tid, 201, "A Generic Error Ocurred")),
            "d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:aa1:y1:qe"u8.ToArray(),
        ];
    }

    private static ReadOnlySpan<byte> Alphabet => "ilde0123456789:-"u8;

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 2 when data.Count > 1:
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(8)));
                    break;
                case 3:
                    data.Insert(random.Next(data.Count + 1), Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 4 when data.Count > 0:
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                case 5:
                    // Deep nesting or a huge length claim.
                    var fragment = random.Next(2) == 0 ? new string('l', random.Next(1, 200)) : "99999999999:";
                    data.InsertRange(random.Next(data.Count + 1), System.Text.Encoding.ASCII.GetBytes(fragment));
                    break;
                case 6:
                    var bytes = new byte[random.Next(1, 64)];
                    random.NextBytes(bytes);
                    data.InsertRange(random.Next(data.Count + 1), bytes);
                    break;
                case 7 when data.Count > 4:
                    var start = random.Next(data.Count - 2);
                    var length = random.Next(1, Math.Min(32, data.Count - start));
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(start, length));
                    break;
                default:
                    // Leave it valid now and then: valid traffic must keep working amid the junk.
                    break;
            }
        }
        if (random.Next(50) == 0)
        {
            var noise = new byte[random.Next(1, 1400)];
            random.NextBytes(noise);
            return noise;
        }
        return data.Count > 0 && data.Count < 65_000 ? [.. data] : [(byte)'d'];
    }
}
