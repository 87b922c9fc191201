using System.Net;
using AptP2P.Engine.Dht.Storage;
using AptP2P.Engine.Persistence;

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
public sealed class DhtStateStore(NodeDatabase database, DatabaseWriter writer, TimeProvider time)
{
    public async Task<DhtSavedState> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var selves = await db.ListAsync("SELECT \"Id\", \"NodeId\" FROM \"DhtSelf\"", r => (Row: r.GetInt32(0), Id: r.GetBytesOrNull(1)), cancellationToken);
        var nodes = (await db.ListAsync("SELECT \"NodeId\", \"Address\", \"Port\", \"LastSeenUnixMs\" FROM \"DhtRoutingEntries\"",
                r => (Id: r.GetBytesOrNull(0), Address: r.GetString(1), Port: r.GetInt32(2), LastSeen: r.GetInt64(3)), cancellationToken))
            .Where(n => n.Id?.Length == NodeId.Length && IPAddress.TryParse(n.Address, out _) && n.Port is > 0 and <= 65535)
            .Select(n => (new NodeContact(new NodeId(n.Id!), new IPEndPoint(IPAddress.Parse(n.Address), n.Port)), DateTimeOffset.FromUnixTimeMilliseconds(n.LastSeen)))
            .ToList();
        var peers = (await db.ListAsync("SELECT \"InfoHash\", \"Address\", \"Port\", \"ExpiresAtUnixMs\" FROM \"DhtStoredPeers\" WHERE \"ExpiresAtUnixMs\" > @p0",
                r => (Key: r.GetBytesOrNull(0), Address: r.GetString(1), Port: r.GetInt32(2), Expires: r.GetInt64(3)), cancellationToken, now))
            .Where(p => p.Key?.Length == NodeId.Length && IPAddress.TryParse(p.Address, out _) && p.Port is > 0 and <= 65535)
            .Select(p => new StoredPeer(new NodeId(p.Key!), new IPEndPoint(IPAddress.Parse(p.Address), p.Port), p.Expires))
            .ToList();
        var items = (await db.ListAsync(
                "SELECT \"Target\", \"Value\", \"PublicKey\", \"Salt\", \"Seq\", \"Signature\", \"ExpiresAtUnixMs\" FROM \"DhtStoredItems\" WHERE \"ExpiresAtUnixMs\" > @p0",
                r => (Target: r.GetBytesOrNull(0), Value: r.GetBytesOrNull(1) ?? [], Key: r.GetBytesOrNull(2), Salt: r.GetBytesOrNull(3) ?? [], Seq: r.GetInt64(4), Signature: r.GetBytesOrNull(5), Expires: r.GetInt64(6)),
                cancellationToken, now))
            .Where(i => i.Target?.Length == NodeId.Length)
            .Select(i => new StoredItem(new NodeId(i.Target!), i.Value, i.Key, i.Salt, i.Seq, i.Signature, i.Expires))
            .ToList();
        return new DhtSavedState(IdOf(selves, Ipv4Row), nodes, peers, items) { Id6 = IdOf(selves, Ipv6Row) };
    }

    /// <summary>The <c>DhtSelf</c> row of each family's node.</summary>
    private const int Ipv4Row = 1, Ipv6Row = 2;

    private static NodeId? IdOf(List<(int Row, byte[]? Id)> selves, int row) =>
        selves.FirstOrDefault(s => s.Row == row).Id is { Length: NodeId.Length } id ? new NodeId(id) : null;

    /// <summary>Queues the routing tables (and our ids) as one snapshot, replacing the previous one.</summary>
    public Task SaveRoutingTablesAsync(IReadOnlyList<DhtSavedTable> tables, CancellationToken cancellationToken)
    {
        var rows = tables.SelectMany(t => t.Nodes)
            .Select(n => (Id: n.Contact.Id.ToArray(), Address: n.Contact.EndPoint.Address.ToString(), n.Contact.EndPoint.Port, LastSeen: n.LastSeen.ToUnixTimeMilliseconds()))
            .ToList();
        var selves = tables.Select(t => (Row: t.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Ipv6Row : Ipv4Row, Id: t.Id.ToArray(), External: t.ExternalAddress?.ToString())).ToList();
        return writer.WriteAsync("DHT routing table", async (db, ct) =>
        {
            await db.ExecuteAsync("DELETE FROM \"DhtRoutingEntries\"", ct);
            // One prepared command for every row (a full table is a few hundred); a node listed twice keeps its last sighting.
            await using (var insert = db.Command(
                "INSERT OR REPLACE INTO \"DhtRoutingEntries\" (\"NodeId\", \"Address\", \"Port\", \"LastSeenUnixMs\") VALUES (@p0, @p1, @p2, @p3)",
                Array.Empty<byte>(), "", 0, 0L))
            {
                foreach (var (id, address, port, lastSeen) in rows)
                {
                    insert.Parameters[0].Value = id;
                    insert.Parameters[1].Value = address;
                    insert.Parameters[2].Value = port;
                    insert.Parameters[3].Value = lastSeen;
                    await insert.ExecuteNonQueryAsync(ct);
                }
            }
            foreach (var (row, id, external) in selves)
            {
                await db.ExecuteAsync(
                    "INSERT INTO \"DhtSelf\" (\"Id\", \"NodeId\", \"ExternalAddress\") VALUES (@p0, @p1, @p2) "
                    + "ON CONFLICT(\"Id\") DO UPDATE SET \"NodeId\" = excluded.\"NodeId\", \"ExternalAddress\" = excluded.\"ExternalAddress\"",
                    ct, row, id, external);
            }
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
                    await db.ExecuteAsync("DELETE FROM DhtStoredItems WHERE Target = @p0", ct, target);
                    continue;
                }
                await db.ExecuteAsync(
                    "INSERT INTO DhtStoredItems (Target, Value, PublicKey, Salt, Seq, Signature, ExpiresAtUnixMs) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6) "
                    + "ON CONFLICT(Target) DO UPDATE SET Value = excluded.Value, PublicKey = excluded.PublicKey, Salt = excluded.Salt, Seq = excluded.Seq, Signature = excluded.Signature, ExpiresAtUnixMs = excluded.ExpiresAtUnixMs",
                    ct, target, i.Value, i.Key, i.Salt, i.Seq, i.Signature, i.ExpiresAtMs);
            }
            await db.ExecuteAsync("DELETE FROM DhtStoredPeers WHERE ExpiresAtUnixMs <= @p0", ct, now);
            await db.ExecuteAsync("DELETE FROM DhtStoredItems WHERE ExpiresAtUnixMs <= @p0", ct, now);
        });
    }

    /// <summary>
    /// Upserts the changed peers, after deleting the rows of the keys to replace whole. Two prepared commands reused for every
    /// row: a flood can make this batch as large as the store's whole bound, and a command built per row costs several times more.
    /// </summary>
    private static async Task WritePeersAsync(DbSession db, List<StoredPeerChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
            return;
        await using var delete = db.Command("DELETE FROM DhtStoredPeers WHERE InfoHash = @p0", Array.Empty<byte>());
        var deleteKey = delete.Parameters[0];
        await using var insert = db.Command(
            "INSERT INTO DhtStoredPeers (InfoHash, Address, Port, ExpiresAtUnixMs) VALUES (@p0, @p1, @p2, @p3) "
            + "ON CONFLICT(InfoHash, Address, Port) DO UPDATE SET ExpiresAtUnixMs = excluded.ExpiresAtUnixMs",
            Array.Empty<byte>(), "", 0, 0L);
        var (insertKey, address, port, expires) = (insert.Parameters[0], insert.Parameters[1], insert.Parameters[2], insert.Parameters[3]);
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
}
