using System.Data.Common;
using System.Net;
using AptP2P.Data;
using AptP2P.Data.Dht;
using AptP2P.Engine.Dht.Storage;
using AptP2P.Engine.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AptP2P.Engine.Dht.Persistence;

/// <summary>
/// What was saved of the DHT: our ids (the IPv4 node's and the IPv6 node's, BEP 32), the routing tables of both (each node
/// takes the contacts of its family), and the values stored for others.
/// </summary>
public sealed record DhtSavedState(NodeId? Id, IReadOnlyList<(NodeContact Contact, DateTimeOffset LastSeen)> Nodes, IReadOnlyList<StoredPeer> Peers, IReadOnlyList<StoredItem> Items)
{
    public NodeId? Id6 { get; init; }
}

/// <summary>One node's routing table to save: its family, id, external address and the nodes that answered it.</summary>
public sealed record DhtSavedTable(System.Net.Sockets.AddressFamily Family, NodeId Id, IPAddress? ExternalAddress, IReadOnlyList<(NodeContact Contact, DateTimeOffset LastSeen)> Nodes);

/// <summary>
/// Reads the DHT's tables at start and writes them through the <see cref="DatabaseWriter"/> in batches: the routing table as
/// a snapshot every few minutes, stored peers and items as the changes collected since the last flush.
/// </summary>
public sealed class DhtStateStore(IDbContextFactory<AptDb> dbFactory, DatabaseWriter writer, TimeProvider time)
{
    public async Task<DhtSavedState> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var selves = await db.DhtSelf.AsNoTracking().ToListAsync(cancellationToken);
        var nodes = (await db.DhtRoutingEntries.AsNoTracking().ToListAsync(cancellationToken))
            .Where(n => n.NodeId.Length == NodeId.Length && IPAddress.TryParse(n.Address, out _))
            .Select(n => (new NodeContact(new NodeId(n.NodeId), new IPEndPoint(IPAddress.Parse(n.Address), n.Port)), DateTimeOffset.FromUnixTimeMilliseconds(n.LastSeenUnixMs)))
            .ToList();
        var peers = (await db.DhtStoredPeers.AsNoTracking().Where(p => p.ExpiresAtUnixMs > now).ToListAsync(cancellationToken))
            .Where(p => p.InfoHash.Length == NodeId.Length && IPAddress.TryParse(p.Address, out _))
            .Select(p => new StoredPeer(new NodeId(p.InfoHash), new IPEndPoint(IPAddress.Parse(p.Address), p.Port), p.ExpiresAtUnixMs))
            .ToList();
        var items = (await db.DhtStoredItems.AsNoTracking().Where(i => i.ExpiresAtUnixMs > now).ToListAsync(cancellationToken))
            .Where(i => i.Target.Length == NodeId.Length)
            .Select(i => new StoredItem(new NodeId(i.Target), i.Value, i.PublicKey, i.Salt ?? [], i.Seq, i.Signature, i.ExpiresAtUnixMs))
            .ToList();
        return new DhtSavedState(IdOf(selves, Ipv4Row), nodes, peers, items) { Id6 = IdOf(selves, Ipv6Row) };
    }

    /// <summary>The <c>DhtSelf</c> row of each family's node.</summary>
    private const int Ipv4Row = 1, Ipv6Row = 2;

    private static NodeId? IdOf(List<DhtSelf> selves, int row) =>
        selves.FirstOrDefault(s => s.Id == row) is { NodeId.Length: NodeId.Length } self ? new NodeId(self.NodeId) : null;

    /// <summary>Queues the routing tables (and our ids) as one snapshot, replacing the previous one.</summary>
    public Task SaveRoutingTablesAsync(IReadOnlyList<DhtSavedTable> tables, CancellationToken cancellationToken)
    {
        var rows = tables.SelectMany(t => t.Nodes).Select(n => new DhtRoutingEntry
        {
            NodeId = n.Contact.Id.ToArray(),
            Address = n.Contact.EndPoint.Address.ToString(),
            Port = n.Contact.EndPoint.Port,
            LastSeenUnixMs = n.LastSeen.ToUnixTimeMilliseconds(),
        }).ToList();
        var selves = tables.Select(t => (Row: t.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Ipv6Row : Ipv4Row, Id: t.Id.ToArray(), External: t.ExternalAddress?.ToString())).ToList();
        return writer.WriteAsync("DHT routing table", async (db, ct) =>
        {
            await db.DhtRoutingEntries.ExecuteDeleteAsync(ct);
            db.DhtRoutingEntries.AddRange(rows);
            var existing = await db.DhtSelf.ToListAsync(ct);
            foreach (var (row, id, external) in selves)
            {
                if (existing.FirstOrDefault(s => s.Id == row) is { } self)
                {
                    self.NodeId = id;
                    self.ExternalAddress = external;
                }
                else
                {
                    db.DhtSelf.Add(new DhtSelf { Id = row, NodeId = id, ExternalAddress = external });
                }
            }
            await db.SaveChangesAsync(ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Queues, as one batch, what is held now for the keys and targets changed since the last flush, and the removal of
    /// expired rows. Rows are upserted on their natural keys, and a key that evicted a peer has its rows replaced by its
    /// current set, so the tables hold at most what the stores may hold (per key and in total).
    /// </summary>
    public void EnqueueStoreChanges(List<StoredPeerChange> peers, List<StoredItemChange> items)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        writer.Enqueue("DHT stored values", async (db, ct) =>
        {
            await WritePeersAsync(db, peers, ct);
            foreach (var change in items)
            {
                var target = change.Target.ToArray();
                if (change.Item is not { } i)
                {
                    await db.DhtStoredItems.Where(r => r.Target == target).ExecuteDeleteAsync(ct);
                    continue;
                }
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO DhtStoredItems (Target, Value, PublicKey, Salt, Seq, Signature, ExpiresAtUnixMs) VALUES ({target}, {i.Value}, {i.Key}, {i.Salt}, {i.Seq}, {i.Signature}, {i.ExpiresAtMs}) ON CONFLICT(Target) DO UPDATE SET Value = excluded.Value, PublicKey = excluded.PublicKey, Salt = excluded.Salt, Seq = excluded.Seq, Signature = excluded.Signature, ExpiresAtUnixMs = excluded.ExpiresAtUnixMs", ct);
            }
            await db.DhtStoredPeers.Where(p => p.ExpiresAtUnixMs <= now).ExecuteDeleteAsync(ct);
            await db.DhtStoredItems.Where(i => i.ExpiresAtUnixMs <= now).ExecuteDeleteAsync(ct);
        });
    }

    /// <summary>
    /// Upserts the changed peers, after deleting the rows of the keys to replace whole. Two prepared commands reused for every
    /// row: a flood can make this batch as large as the store's whole bound, and a command built per row costs several times more.
    /// </summary>
    private static async Task WritePeersAsync(AptDb db, List<StoredPeerChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
            return;
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM DhtStoredPeers WHERE InfoHash = $key";
        var deleteKey = AddParameter(delete, "$key");
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO DhtStoredPeers (InfoHash, Address, Port, ExpiresAtUnixMs) VALUES ($key, $address, $port, $expires) "
            + "ON CONFLICT(InfoHash, Address, Port) DO UPDATE SET ExpiresAtUnixMs = excluded.ExpiresAtUnixMs";
        var insertKey = AddParameter(insert, "$key");
        var address = AddParameter(insert, "$address");
        var port = AddParameter(insert, "$port");
        var expires = AddParameter(insert, "$expires");
        foreach (var change in changes)
        {
            var key = change.Key.ToArray();
            if (change.ReplacesKey)
            {
                deleteKey.Value = key;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            insertKey.Value = key;
            foreach (var peer in change.Peers)
            {
                address.Value = peer.Peer.Address.ToString();
                port.Value = peer.Peer.Port;
                expires.Value = peer.ExpiresAtMs;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static DbParameter AddParameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
