using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AptP2P.Data.Dht;

internal sealed class DhtSelfConfiguration : IEntityTypeConfiguration<DhtSelf>
{
    public void Configure(EntityTypeBuilder<DhtSelf> e)
    {
        e.ToTable("DhtSelf");
        e.HasKey(s => s.Id);
        e.Property(s => s.Id).ValueGeneratedNever();
        e.Property(s => s.NodeId).HasMaxLength(20);
    }
}

internal sealed class DhtRoutingEntryConfiguration : IEntityTypeConfiguration<DhtRoutingEntry>
{
    public void Configure(EntityTypeBuilder<DhtRoutingEntry> e)
    {
        e.ToTable("DhtRoutingEntries");
        e.HasKey(n => n.NodeId);
        e.Property(n => n.NodeId).HasMaxLength(20);
        e.Property(n => n.Address).HasMaxLength(64);
    }
}

internal sealed class DhtStoredPeerConfiguration : IEntityTypeConfiguration<DhtStoredPeer>
{
    public void Configure(EntityTypeBuilder<DhtStoredPeer> e)
    {
        e.ToTable("DhtStoredPeers");
        e.HasKey(p => new { p.InfoHash, p.Address, p.Port });
        e.Property(p => p.InfoHash).HasMaxLength(20);
        e.Property(p => p.Address).HasMaxLength(64);
        e.HasIndex(p => p.ExpiresAtUnixMs);
    }
}

internal sealed class DhtStoredItemConfiguration : IEntityTypeConfiguration<DhtStoredItem>
{
    public void Configure(EntityTypeBuilder<DhtStoredItem> e)
    {
        e.ToTable("DhtStoredItems");
        e.HasKey(i => i.Target);
        e.Property(i => i.Target).HasMaxLength(20);
        e.HasIndex(i => i.ExpiresAtUnixMs);
    }
}
