using AptP2P.Data.Dht;
using Microsoft.EntityFrameworkCore;

namespace AptP2P.Data;

/// <summary>The DHT's tables: own identity, saved routing table, and the peers and BEP 44 items stored for others.</summary>
public sealed partial class AptDb
{
    public DbSet<DhtSelf> DhtSelf => Set<DhtSelf>();
    public DbSet<DhtRoutingEntry> DhtRoutingEntries => Set<DhtRoutingEntry>();
    public DbSet<DhtStoredPeer> DhtStoredPeers => Set<DhtStoredPeer>();
    public DbSet<DhtStoredItem> DhtStoredItems => Set<DhtStoredItem>();
}
