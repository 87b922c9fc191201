using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Engine.Node;
using AptP2P.Testing.Nodes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AptP2P.Tests.Dht;

/// <summary>The DHT inside the real host: its UDP port, the diagnostics endpoints, and a restart from the saved state.</summary>
public sealed class DhtHostTests
{
    private const string NoRouters = "AptP2P:Dht:BootstrapNodes=";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<DhtNode>> StartPeersAsync(int count)
    {
        var peers = new List<DhtNode>();
        for (var i = 0; i < count; i++)
        {
            var node = new DhtNode(new UdpDhtTransport(new IPEndPoint(IPAddress.Loopback, 0), NullLogger.Instance), new DhtOptions(), TimeProvider.System, NullLogger.Instance);
            node.Start();
            peers.Add(node);
        }
        foreach (var node in peers)
            await node.BootstrapAsync(peers.Where(p => p != node).Select(p => p.LocalEndPoint).ToList(), Ct);
        return peers;
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(50, Ct);
        }
        return true;
    }

    [Fact]
    public async Task The_host_binds_its_own_udp_port_and_reports_statistics()
    {
        await using var node = await AptP2PNode.StartAsync(settings: NoRouters);
        var endpoints = node.Get<NodeEndpoints>();
        Assert.NotEqual(0, endpoints.DhtPort);
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var stats = await http.GetFromJsonAsync<JsonElement>("api/dht", Ct);
        Assert.Equal(endpoints.DhtPort, stats.GetProperty("port").GetInt32());
        Assert.Equal(40, stats.GetProperty("nodeId").GetString()!.Length);
        Assert.True(stats.TryGetProperty("buckets", out _));
        Assert.True(stats.TryGetProperty("rtt", out _));
    }

    [Fact]
    public async Task Peer_lookups_accept_info_hashes_and_file_hashes_and_refuse_anything_else()
    {
        await using var node = await AptP2PNode.StartAsync(settings: NoRouters);
        using var http = new HttpClient { BaseAddress = node.BaseUri };

        var bad = await http.GetAsync("api/dht/peers/not-a-key", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);

        var byInfoHash = await http.GetFromJsonAsync<JsonElement>("api/dht/peers/" + new string('a', 40), Ct);
        Assert.Equal(new string('a', 40), byInfoHash.GetProperty("key").GetString());
        Assert.Equal(0, byInfoHash.GetProperty("peers").GetArrayLength());

        var file = Engine.ContentHash.Compute("x"u8);
        var byFile = await http.GetFromJsonAsync<JsonElement>("api/dht/peers/" + file, Ct);
        Assert.Equal(InfoHash.FromFile(file).ToString(), byFile.GetProperty("key").GetString());
        Assert.True(byFile.GetProperty("elapsedMs").GetDouble() >= 0);
    }

    [Fact]
    public async Task The_peer_lookup_endpoint_finds_an_announced_peer_through_the_engine_api()
    {
        var peers = await StartPeersAsync(3);
        try
        {
            var key = new InfoHash(NodeId.Random());
            Assert.True(await peers[0].AnnounceAsync(key, 5555, Ct) > 0);
            var routers = peers.Select((p, i) => $"AptP2P:Dht:BootstrapNodes:{i}=127.0.0.1:{p.LocalEndPoint.Port}").ToArray();
            await using var node = await AptP2PNode.StartAsync(settings: routers);
            var dht = node.Get<DhtService>();
            Assert.True(await WaitUntilAsync(() => dht.Node!.IsBootstrapped, TimeSpan.FromSeconds(20)), "never bootstrapped");

            using var http = new HttpClient { BaseAddress = node.BaseUri };
            var answer = await http.GetFromJsonAsync<JsonElement>("api/dht/peers/" + key, Ct);
            var found = answer.GetProperty("peers").EnumerateArray().Select(p => p.GetString()).ToList();
            Assert.Contains("127.0.0.1:5555", found);
            Assert.True(answer.GetProperty("firstPeerMs").GetDouble() <= answer.GetProperty("elapsedMs").GetDouble());

            // The same node publishes a piece list through IDht, and one of the other nodes reads it back.
            var file = Engine.ContentHash.Compute("host piece list"u8);
            var v = "d1:li262144e1:p40:01234567890123456789012345678901234567891:si300000ee"u8.ToArray();
            await node.Get<IDht>().PublishPieceListAsync(file, v, Ct);
            Assert.Equal(3, peers.Count(p => p.GetStatistics().StoredItems > 0));
            Assert.Equal(v, await peers[2].FetchPieceListAsync(file, Ct));
            Assert.Equal(v, await node.Get<IDht>().FetchPieceListAsync(file, Ct));
        }
        finally
        {
            foreach (var peer in peers)
                await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Diagnostics_are_refused_to_clients_that_are_not_allowed()
    {
        await using var node = await AptP2PNode.StartAsync(settings: [NoRouters, "AptP2P:AllowedClients:0=192.0.2.0/24"]);
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("api/dht", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("api/dht/peers/" + new string('a', 40), Ct)).StatusCode);
    }

    [Fact]
    public async Task A_restarted_node_is_back_from_its_saved_table_and_keeps_stored_peers()
    {
        var peers = await StartPeersAsync(4);
        var directory = Directory.CreateTempSubdirectory("aptp2p-dht-restart-").FullName;
        try
        {
            var routers = peers.Select((p, i) => $"AptP2P:Dht:BootstrapNodes:{i}=127.0.0.1:{p.LocalEndPoint.Port}").ToArray();
            var key = new InfoHash(NodeId.Random());
            string firstId;
            await using (var first = await AptP2PNode.StartAsync(directory, settings: routers))
            {
                var dht = first.Get<DhtService>();
                Assert.True(await WaitUntilAsync(() => dht.Node!.IsBootstrapped, TimeSpan.FromSeconds(20)), "first start never bootstrapped");
                firstId = dht.GetStatistics().NodeId;
                // Another node announces to it: the stored peer must survive the restart.
                var stored = await peers[0].AnnounceAsync(key, 4321, Ct);
                Assert.True(stored > 0);
                Assert.True(await WaitUntilAsync(() => dht.GetStatistics().StoredPeers > 0, TimeSpan.FromSeconds(10)));
                // And a BEP 44 item someone puts.
                Assert.True(await peers[1].PutImmutableAsync("12:kept for you"u8.ToArray(), Ct) > 0);
                Assert.True(await WaitUntilAsync(() => dht.GetStatistics().StoredItems > 0, TimeSpan.FromSeconds(10)));
            }

            await using var second = await AptP2PNode.StartAsync(directory, settings: NoRouters);
            var restarted = second.Get<DhtService>();
            var stats = restarted.GetStatistics();
            Assert.Equal(firstId, stats.NodeId);
            Assert.True(stats.RoutingTableSize >= 4, $"{stats.RoutingTableSize} nodes restored");
            Assert.True(stats.StoredPeers >= 1, "the stored peer was lost");
            Assert.True(stats.StoredItems >= 1, "the stored item was lost");
            Assert.True(await WaitUntilAsync(() => restarted.Node!.IsBootstrapped, TimeSpan.FromSeconds(5)), "restart did not rejoin within seconds");
        }
        finally
        {
            foreach (var peer in peers)
                await peer.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
