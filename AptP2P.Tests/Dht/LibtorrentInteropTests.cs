using System.Net;
using System.Text.Json.Nodes;
using AptP2P.Engine;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Bencode;
using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Transport;
using AptP2P.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace AptP2P.Tests.Dht;

/// <summary>Our node and five libtorrent nodes on one loopback address: our node bootstraps from them only.</summary>
public abstract class LibtorrentNodeFixture(IPAddress address) : IAsyncLifetime
{
    public IPAddress Address { get; } = address;
    public LibtorrentCluster Cluster { get; } = new(address.ToString());
    public DhtNode Node { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Cluster.InitializeAsync();
        var transport = new UdpDhtTransport(new IPEndPoint(Address, 0), NullLogger<UdpDhtTransport>.Instance);
        Node = new DhtNode(transport, new DhtOptions(), TimeProvider.System, NullLogger.Instance);
        Node.Start();
        var routers = Cluster.Ports.Select(p => new IPEndPoint(Address, p)).ToList();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (!await Node.BootstrapAsync(routers, cts.Token))
            throw new InvalidOperationException("Our node could not bootstrap from the libtorrent nodes.\n" + Cluster.Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        await Cluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>IPv4 (BEP 5): our node and the libtorrent nodes on 127.0.0.1.</summary>
public sealed class LibtorrentInteropFixture() : LibtorrentNodeFixture(IPAddress.Loopback);

/// <summary>The same over IPv6 (BEP 32): our node on [::1] and five libtorrent nodes on [::1], nothing else.</summary>
public sealed class LibtorrentInterop6Fixture() : LibtorrentNodeFixture(IPAddress.IPv6Loopback);

public sealed class LibtorrentInteropTests(LibtorrentInteropFixture fixture) : LibtorrentInteropTestsBase(fixture), IClassFixture<LibtorrentInteropFixture>;

public sealed class LibtorrentInterop6Tests(LibtorrentInterop6Fixture fixture) : LibtorrentInteropTestsBase(fixture), IClassFixture<LibtorrentInterop6Fixture>
{
    [Fact]
    public void Our_ipv6_node_speaks_ipv6()
    {
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, Node.Family);
        Assert.Equal("ipv6", Node.GetStatistics().Family);
    }
}

/// <summary>Each behaviour against libtorrent, once per address family.</summary>
public abstract class LibtorrentInteropTestsBase(LibtorrentNodeFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private LibtorrentCluster Cluster => fixture.Cluster;
    private protected DhtNode Node => fixture.Node;

    [Fact]
    public void Our_node_bootstrapped_from_libtorrent_nodes()
    {
        var stats = Node.GetStatistics();
        Assert.True(stats.RoutingTableSize >= LibtorrentCluster.NodeCount, $"Routing table holds {stats.RoutingTableSize} nodes");
    }

    [Fact]
    public async Task A_key_libtorrent_announces_is_found_by_our_lookup()
    {
        var key = new InfoHash(NodeId.Random());
        var announced = await Cluster.SendAsync(new { op = "announce", node = 0, ih = key.ToString() }, Deadline);
        var port = announced["port"]!.GetValue<int>();

        var expected = new IPEndPoint(fixture.Address, port);
        var found = await PollAsync(async () =>
        {
            await foreach (var peer in Node.FindPeersAsync(key, Ct))
            {
                if (peer.Equals(expected))
                    return true;
            }
            return false;
        });
        Assert.True(found, $"Our lookup never returned libtorrent's {expected}.\n{Cluster.Stderr}");
    }

    [Fact]
    public async Task A_key_our_node_announces_is_found_by_libtorrent()
    {
        var key = new InfoHash(NodeId.Random());
        const int port = 9977;
        var stored = await Node.AnnounceAsync(key, port, Ct);
        Assert.True(stored >= 3, $"Only {stored} libtorrent nodes accepted our announce_peer: {System.Text.Json.JsonSerializer.Serialize(Node.GetStatistics())}");

        var answer = await Cluster.SendAsync(new { op = "get_peers", node = 3, ih = key.ToString(), want_port = port, timeout = 30 }, Deadline);
        var peers = answer["peers"]!.AsArray().Select(p => (p![0]!.GetValue<string>(), p[1]!.GetValue<int>())).ToList();
        Assert.Contains((fixture.Address.ToString(), port), peers);
    }

    [Fact]
    public async Task A_piece_list_our_node_publishes_is_read_by_libtorrent()
    {
        var file = ContentHash.Compute("interop piece list"u8);
        var value = new BencodeDict()
            .Add("l", new BencodeInteger(262144))
            .Add("p", new BencodeString(new byte[40]))
            .Add("s", new BencodeInteger(400000))
            .ToArray();
        var stored = await Node.PublishPieceListAsync(file, value, Ct);
        Assert.True(stored >= 3, $"Only {stored} libtorrent nodes accepted our put");

        var publicKey = PieceListItem.PublicKeyFor(file);
        var answer = await Cluster.SendAsync(new { op = "get", node = 2, pk = Convert.ToHexStringLower(publicKey), timeout = 30 }, Deadline);
        Assert.True(answer["found"]!.GetValue<bool>(), "libtorrent found no item");
        Assert.Equal(1, answer["seq"]!.GetValue<long>());
        // libtorrent emits the item only after verifying its signature, and the signature it verified is ours: so the value it
        // holds is byte for byte ours (its Python binding cannot hand a dictionary value back; its alert text shows it).
        Assert.Equal(Convert.ToHexStringLower(PieceListItem.Create(file, value).Signature), answer["sig"]!.GetValue<string>());
        var shown = answer["message"]!.GetValue<string>().Replace("\n", "", StringComparison.Ordinal);
        Assert.True(shown.Contains("'l': 262144", StringComparison.Ordinal), shown);
        Assert.Contains("'p': '" + new string('0', 80) + "'", shown, StringComparison.Ordinal);
        Assert.Contains("'s': 400000", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_item_libtorrent_puts_is_read_by_our_node()
    {
        var file = ContentHash.Compute("put by libtorrent"u8);
        var data = "libtorrent wrote this"u8.ToArray();
        var answer = await Cluster.SendAsync(new
        {
            op = "put",
            node = 1,
            seed = Convert.ToHexStringLower(PieceListItem.SeedFor(file)),
            pk = Convert.ToHexStringLower(PieceListItem.PublicKeyFor(file)),
            data = Convert.ToHexStringLower(data),
            timeout = 30,
        }, Deadline);
        Assert.True(answer["stored"]!.GetValue<int>() > 0, $"libtorrent stored its item nowhere: {answer.ToJsonString()}");

        byte[]? value = null;
        var found = await PollAsync(async () => (value = await Node.FetchPieceListAsync(file, Ct)) is not null);
        Assert.True(found, "Our node did not find libtorrent's item");
        // libtorrent's Python binding stores the data as a bencoded string.
        Assert.Equal(new BencodeString(data).ToArray(), value);
    }

    [Fact]
    public async Task Our_node_is_in_libtorrent_routing_tables()
    {
        var ours = Node.LocalEndPoint.Port;
        var inTables = 0;
        await PollAsync(async () =>
        {
            inTables = 0;
            for (var i = 0; i < LibtorrentCluster.NodeCount; i++)
            {
                var answer = await Cluster.SendAsync(new { op = "routing", node = i }, Deadline);
                if (answer["nodes"]!.AsArray().Any(n => n![1]!.GetValue<int>() == ours))
                    inTables++;
            }
            return inTables == LibtorrentCluster.NodeCount;
        });
        Assert.Equal(LibtorrentCluster.NodeCount, inTables);
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> attempt)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await attempt())
                return true;
            await Task.Delay(500, Ct);
        }
        return false;
    }
}
