using System.Globalization;
using System.Text;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
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
        await using var db = TestDatabase.Open(node.Get<DataDirectory>());
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

    [Fact]
    public async Task A_file_only_the_previous_version_listed_is_forgotten_in_memory_and_database_and_one_another_index_lists_stays()
    {
        await using var node = await AptP2PNode.StartAsync();
        var (old, common, fresh) = (Sha('1'), Sha('2'), Sha('3'));
        var amd64 = "debian/dists/unstable/main/binary-amd64/Packages";
        var i386 = "debian/dists/unstable/main/binary-i386/Packages";

        await IngestAsync(node, amd64, Packages(("old", old), ("common", common)));
        Assert.Equal(ContentHash.Parse(old), node.Get<HashIndex>().Find(Pool("o/old/old_1_all.deb"))?.Hash);
        await IngestAsync(node, i386, Packages(("common", common)));
        await IngestAsync(node, amd64, Packages(("fresh", fresh)));

        var index = node.Get<HashIndex>();
        // Known before the third Packages file, so that its absence after is the supersession's doing.
        Assert.NotNull(index.Find(Pool("c/common/common_1_all.deb")));
        Assert.Null(index.Find(Pool("o/old/old_1_all.deb")));
        Assert.False(index.Lists(ContentHash.Parse(old), 1000));
        Assert.Equal(ContentHash.Parse(common), index.Find(Pool("c/common/common_1_all.deb"))?.Hash);
        Assert.True(index.Lists(ContentHash.Parse(common), 1000));
        Assert.Equal(ContentHash.Parse(fresh), index.Find(Pool("f/fresh/fresh_1_all.deb"))?.Hash);
        await using var db = TestDatabase.Open(node.Get<DataDirectory>());
        Assert.Empty(await db.HashEntries.Where(e => e.Sha256 == old).ToListAsync(Ct));
        Assert.Single(await db.HashEntries.Where(e => e.Sha256 == common).ToListAsync(Ct));
        Assert.Single(node.Logs.Matching("no longer lists 1 files of its previous version"));
    }

    [Fact]
    public async Task An_archive_superseded_thirty_times_keeps_one_versions_worth_of_files_in_memory()
    {
        await using var node = await AptP2PNode.StartAsync();
        var path = "debian/dists/unstable/main/binary-amd64/Packages";
        var index = node.Get<HashIndex>();
        var counts = new List<int>();
        for (var cycle = 0; cycle < 30; cycle++)
        {
            var entries = Enumerable.Range(0, 200).Select(i => ($"p{cycle}x{i}", Sha256Of($"{cycle}/{i}"))).ToArray();
            await IngestAsync(node, path, Packages(entries));
            counts.Add(index.Count);
        }

        Assert.True(counts.Max() <= 200 * 1.2, $"files known per cycle: {string.Join(", ", counts)}");
        await using var db = TestDatabase.Open(node.Get<DataDirectory>());
        Assert.Equal(200, await db.HashEntries.CountAsync(Ct));
    }

    private static string Sha(char c) => new(c, 64);

    private static MirrorUrl Pool(string path) => new("mirror.example", 80, "debian/pool/main/" + path);

    private static string Sha256Of(string text) => ContentHash.Compute(Encoding.UTF8.GetBytes(text)).ToString();

    /// <summary>A Packages file listing each (name, sha256) as <c>pool/main/x/name/name_1_all.deb</c> of 1000 bytes.</summary>
    private static string Packages(params (string Name, string Sha)[] packages)
    {
        var text = new StringBuilder();
        foreach (var (name, sha) in packages)
        {
            text.Append("Package: ").Append(name).Append("\nVersion: 1\nArchitecture: all\n")
                .Append("Filename: pool/main/").Append(name[0]).Append('/').Append(name).Append('/').Append(name).Append("_1_all.deb\n")
                .Append("Size: 1000\nSHA256: ").Append(sha).Append("\n\n");
        }
        return text.ToString();
    }

    private static Task IngestAsync(AptP2PNode node, string path, string text) =>
        IngestAsync(node, new MirrorUrl("mirror.example", 80, path), text);

    /// <summary>Puts <paramref name="text"/> into the cache as the file at <paramref name="url"/> and indexes it.</summary>
    private static async Task IngestAsync(AptP2PNode node, MirrorUrl url, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var store = node.Get<ContentStore>();
        var partial = store.Directory.NewPartialPath();
        await File.WriteAllBytesAsync(partial, bytes, Ct);
        var hash = ContentHash.Compute(bytes);
        store.Add(partial, hash, bytes.Length, verified: false);
        await node.Get<IndexIngestor>().IngestAsync(url, hash).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static async Task IngestReleaseAsync(AptP2PNode node, DateTimeOffset date, params (string Path, string Sha)[] entries)
    {
        var text = new StringBuilder()
            .Append("Origin: Test\nSuite: stable\nAcquire-By-Hash: yes\n")
            .Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append('\n')
            .Append("SHA256:\n");
        foreach (var (path, sha) in entries)
            text.Append(' ').Append(sha).Append(" 123 ").Append(path).Append('\n');
        await IngestAsync(node, ReleaseUrl, text.ToString());
    }
}
