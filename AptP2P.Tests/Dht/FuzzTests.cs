using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Bencode;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Testing.Fuzzing;
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

        var corpus = KrpcCorpus.Corpus();
        var random = new Random(1234);
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sent = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DatagramsIn(node) < Packets)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {DatagramsIn(node)} of {sent} datagrams arrived in time");
            for (var i = 0; i < 200; i++, sent++)
                fuzzer.SendTo(KrpcCorpus.Mutate(corpus[random.Next(corpus.Count)], random), node.LocalEndPoint);
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
        var corpus = KrpcCorpus.Corpus();
        var random = new Random(777);
        for (var i = 0; i < 200_000; i++)
        {
            var packet = KrpcCorpus.Mutate(corpus[random.Next(corpus.Count)], random);
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
}
