using AptP2P.Data.Cache;
using AptP2P.Data.Index;
using Microsoft.EntityFrameworkCore;

namespace AptP2P.Data;

/// <summary>The node's SQLite database: cache index, URL records and the hash index learned from apt metadata.</summary>
public sealed partial class AptDb(DbContextOptions<AptDb> options) : DbContext(options)
{
    public DbSet<CachedFile> CachedFiles => Set<CachedFile>();
    public DbSet<UrlRecord> UrlRecords => Set<UrlRecord>();
    public DbSet<IndexSource> IndexSources => Set<IndexSource>();
    public DbSet<HashEntry> HashEntries => Set<HashEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Features keep their own entity configurations next to their entities (IEntityTypeConfiguration<T>).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AptDb).Assembly);

        modelBuilder.Entity<CachedFile>(e =>
        {
            e.HasKey(f => f.Sha256);
            e.Property(f => f.Sha256).HasMaxLength(64);
            e.HasIndex(f => f.LastAccessAt);
        });

        modelBuilder.Entity<UrlRecord>(e =>
        {
            e.HasKey(r => r.Url);
            e.Property(r => r.Sha256).HasMaxLength(64);
            e.HasIndex(r => r.Sha256);
        });

        modelBuilder.Entity<IndexSource>(e =>
        {
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.Mirror, s.Path }).IsUnique();
        });

        modelBuilder.Entity<HashEntry>(e =>
        {
            e.HasKey(h => h.Id);
            e.Property(h => h.Sha256).HasMaxLength(64);
            e.HasIndex(h => new { h.Mirror, h.Path });
            e.HasIndex(h => h.SourceId);
            e.HasOne<IndexSource>().WithMany().HasForeignKey(h => h.SourceId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
