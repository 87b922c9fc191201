using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Node;
using AptP2P.Testing.Nodes;
using Microsoft.Data.Sqlite;

namespace AptP2P.Tests.Dht;

/// <summary>
/// Floods of announce_peer and put over real UDP to a running node: the rows in its database never exceed what the node
/// holds in memory (per key and in total), a restart holds the same, and rows beyond the bounds at start are pruned.
/// </summary>
public sealed class DhtDiskBoundTests : IDisposable
{
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("aptp2p-dht-bounds-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<AptP2PNode> StartAsync(int maxKeys, int maxPeersPerKey, int maxItems) =>
        AptP2PNode.StartAsync(_directory, settings:
        [
            $"AptP2P:Dht:MaxStoredKeys={maxKeys}",
            $"AptP2P:Dht:MaxPeersPerKey={maxPeersPerKey}",
            $"AptP2P:Dht:MaxStoredItems={maxItems}",
        ]);

    private static KrpcProbe ProbeOf(AptP2PNode node) => new(new IPEndPoint(IPAddress.Loopback, node.Get<NodeEndpoints>().DhtPort));

    private long Count(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "aptp2p.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private long PeerRows() => Count("SELECT COUNT(*) FROM DhtStoredPeers");
    private long MostRowsOfOneKey() => Count("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM DhtStoredPeers GROUP BY InfoHash)");
    private long ItemRows() => Count("SELECT COUNT(*) FROM DhtStoredItems");

    /// <summary>Waits for the periodic flush to bring the table to <paramref name="expected"/> rows; the last count if it never does.</summary>
    private static async Task<long> RowsSettleAtAsync(Func<long> rows, long expected)
    {
        var deadline = DateTime.UtcNow + FlushWait;
        long count;
        while ((count = rows()) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(100, Ct);
        return count;
    }

    [Fact]
    public async Task A_flood_of_announces_to_one_key_leaves_no_more_rows_than_the_per_key_bound()
    {
        await using (var node = await StartAsync(maxKeys: 50, maxPeersPerKey: 10, maxItems: 50))
        {
            using var probe = ProbeOf(node);
            await probe.FloodAnnouncesAsync(NodeId.Random(), 300, Ct);
            Assert.Equal(10, node.Get<DhtService>().GetStatistics().StoredPeers);
            Assert.Equal(10, await RowsSettleAtAsync(PeerRows, 10));
        }
        Assert.Equal(10, PeerRows());

        await using var restarted = await StartAsync(maxKeys: 50, maxPeersPerKey: 10, maxItems: 50);
        Assert.Equal(10, restarted.Get<DhtService>().GetStatistics().StoredPeers);
    }

    [Fact]
    public async Task A_flood_of_announces_to_many_keys_leaves_no_more_rows_than_the_total_bound()
    {
        await using (var node = await StartAsync(maxKeys: 20, maxPeersPerKey: 10, maxItems: 50))
        {
            using var probe = ProbeOf(node);
            for (var k = 0; k < 30; k++)
                await probe.FloodAnnouncesAsync(NodeId.Random(), 25, Ct);
            var stats = node.Get<DhtService>().GetStatistics();
            Assert.Equal(20, stats.StoredKeys);
            Assert.Equal(200, stats.StoredPeers);
            Assert.Equal(200, await RowsSettleAtAsync(PeerRows, 200));
            Assert.Equal(10, MostRowsOfOneKey());
        }

        await using var restarted = await StartAsync(maxKeys: 20, maxPeersPerKey: 10, maxItems: 50);
        Assert.Equal(200, restarted.Get<DhtService>().GetStatistics().StoredPeers);
        Assert.Equal(200, PeerRows());
    }

    [Fact]
    public async Task Saved_peers_beyond_the_bounds_are_pruned_at_start()
    {
        await using (var node = await StartAsync(maxKeys: 20, maxPeersPerKey: 40, maxItems: 50))
        {
            using var probe = ProbeOf(node);
            for (var k = 0; k < 5; k++)
                await probe.FloodAnnouncesAsync(NodeId.Random(), 40, Ct);
            Assert.Equal(200, await RowsSettleAtAsync(PeerRows, 200));
        }

        // Lower bounds than those the rows were saved under: three keys of at most ten peers.
        await using var restarted = await StartAsync(maxKeys: 3, maxPeersPerKey: 10, maxItems: 50);
        var stats = restarted.Get<DhtService>().GetStatistics();
        Assert.Equal(3, stats.StoredKeys);
        Assert.Equal(30, stats.StoredPeers);
        Assert.Equal(30, await RowsSettleAtAsync(PeerRows, 30));
        Assert.Equal(10, MostRowsOfOneKey());
    }

    [Fact]
    public async Task A_flood_of_puts_leaves_no_more_item_rows_than_the_bound_and_a_lower_bound_prunes_them_at_start()
    {
        await using (var node = await StartAsync(maxKeys: 50, maxPeersPerKey: 10, maxItems: 30))
        {
            using var probe = ProbeOf(node);
            await probe.FloodPutsAsync(60, Ct);
            Assert.Equal(30, node.Get<DhtService>().GetStatistics().StoredItems);
            Assert.Equal(30, await RowsSettleAtAsync(ItemRows, 30));
        }
        await using (var restarted = await StartAsync(maxKeys: 50, maxPeersPerKey: 10, maxItems: 30))
            Assert.Equal(30, restarted.Get<DhtService>().GetStatistics().StoredItems);

        await using var lowered = await StartAsync(maxKeys: 50, maxPeersPerKey: 10, maxItems: 10);
        Assert.Equal(10, lowered.Get<DhtService>().GetStatistics().StoredItems);
        Assert.Equal(10, await RowsSettleAtAsync(ItemRows, 10));
    }
}
