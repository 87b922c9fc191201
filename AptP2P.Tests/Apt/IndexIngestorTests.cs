using System.Globalization;
using System.Text;
using AptP2P.Data;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Testing.Nodes;
using Microsoft.EntityFrameworkCore;

namespace AptP2P.Tests.Apt;

/// <summary>Release files fed to a running node's ingestor: what it keeps in memory and in SQLite.</summary>
public sealed class IndexIngestorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly MirrorUrl ReleaseUrl = new("mirror.example", 80, "debian/dists/stable/Release");

    [Fact]
    public async Task A_newer_Release_replaces_what_the_older_one_said_and_an_older_one_is_ignored()
    {
        await using var node = await AptP2PNode.StartAsync();
        var a = new string('a', 64);
        var b = new string('b', 64);
        var c = new string('c', 64);

        await IngestReleaseAsync(node, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), ("main/binary-amd64/Packages.xz", a));
        await IngestReleaseAsync(node, new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), ("main/binary-amd64/Packages.xz", b));
        await IngestReleaseAsync(node, new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), ("main/binary-amd64/Packages.xz", c));

        var packages = new MirrorUrl("mirror.example", 80, "debian/dists/stable/main/binary-amd64/Packages.xz");
        Assert.Equal(ContentHash.Parse(b), node.Get<HashIndex>().Find(packages)?.Hash);
        await using var db = await node.Get<IDbContextFactory<AptDb>>().CreateDbContextAsync(Ct);
        var stored = await db.HashEntries.Where(e => e.Path == packages.Path).Select(e => e.Sha256).ToListAsync(Ct);
        Assert.Equal([b], stored);
        Assert.Equal(1, await db.IndexSources.CountAsync(Ct));
    }

    [Fact]
    public async Task By_hash_urls_of_listed_indexes_are_known_with_their_size_and_canonical_name()
    {
        await using var node = await AptP2PNode.StartAsync();
        var sha = new string('d', 64);

        await IngestReleaseAsync(node, DateTimeOffset.UtcNow, ("main/binary-amd64/Packages.xz", sha));

        var byHash = new MirrorUrl("mirror.example", 80, $"debian/dists/stable/main/binary-amd64/by-hash/SHA256/{sha}");
        var index = node.Get<HashIndex>();
        Assert.Equal(123, index.Find(byHash)?.Size);
        Assert.Equal("debian/dists/stable/main/binary-amd64/Packages.xz", index.CanonicalPathOf(byHash));
    }

    private static async Task IngestReleaseAsync(AptP2PNode node, DateTimeOffset date, params (string Path, string Sha)[] entries)
    {
        var text = new StringBuilder()
            .Append("Origin: Test\nSuite: stable\nAcquire-By-Hash: yes\n")
            .Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append('\n')
            .Append("SHA256:\n");
        foreach (var (path, sha) in entries)
            text.Append(' ').Append(sha).Append(" 123 ").Append(path).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var store = node.Get<ContentStore>();
        var partial = store.Directory.NewPartialPath();
        await File.WriteAllBytesAsync(partial, bytes, Ct);
        var hash = ContentHash.Compute(bytes);
        store.Add(partial, hash, bytes.Length, verified: false);
        await node.Get<IndexIngestor>().IngestAsync(ReleaseUrl, hash).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }
}
