using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using AptP2P.Engine.Apt.Trust;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Persistence;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Apt.Index;

/// <summary>What the archive metadata says a file is, and how far the archive that says so is trusted.</summary>
public readonly record struct IndexedHash(ContentHash Hash, long? Size, ArchiveTrust Trust = ArchiveTrust.Verified);

/// <summary>
/// Mirror path → SHA-256 and size, learned from the Release, Packages, Sources and pdiff Index files that passed through.
/// Lookups are served from memory; <see cref="IndexIngestor"/> fills it and keeps the database copy that survives restarts.
/// </summary>
public sealed class HashIndex(IOptionsMonitor<AptP2POptions> options)
{
    private const string ByHashMarker = "/by-hash/SHA256/";

    // The large table (one row per file of every archive seen: 211,000 for bookworm with updates and security, two
    // architectures and sources) is one FileTable under one lock, keyed by a 64-bit hash of the URL key instead of the key
    // itself: about 58 bytes a path instead of about 250 (a string, a node object). A false match of two paths needs a
    // 64-bit collision under a seed chosen per process; paths are listed by the database (UrlsListingAsync).
    private readonly Lock _lock = new();
    private readonly FileTable _files = new();
    private readonly ulong _seed = (ulong)Random.Shared.NextInt64();
    private readonly ConcurrentDictionary<string, string> _byHashNames = new(StringComparer.Ordinal);
    // Per archive (mirror/directory of its Release): what the signature of its latest Release said, and until when.
    private readonly ConcurrentDictionary<string, (ArchiveTrust Trust, DateTimeOffset? ValidUntil)> _archives = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _ingested = new(StringComparer.Ordinal);
    // Per index (mirror/source path): the hashes of its compressions, as the latest Release read for it listed them. Replaced,
    // never merged: only hashes one Release lists together are known to be the same content.
    private readonly ConcurrentDictionary<string, ContentHash[]> _variants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, PendingIngest> _pending = new();
    private long _nextPending;
    private Task _loaded = Task.CompletedTask;
    private volatile bool _loading;

    public int Count
    {
        get
        {
            lock (_lock)
                return _files.Count;
        }
    }

    /// <summary>Archives (mirror + Release directory) whose signature state is known.</summary>
    public int ArchiveCount => _archives.Count;

    /// <summary>The hash and size of a mirror file, if the metadata seen so far lists it (or the URL is a by-hash URL).</summary>
    public IndexedHash? Find(MirrorUrl url) => Find(url.Authority, url.Path);

    /// <summary>Like <see cref="Find(MirrorUrl)"/>, for a file known by its mirror (<see cref="MirrorUrl.Authority"/>) and path.</summary>
    public IndexedHash? Find(string authority, string path)
    {
        var key = KeyOf(authority, path);
        lock (_lock)
        {
            if (_files.TryGet(key, out var known, out var size, out var trust))
                return new IndexedHash(known, size, trust);
        }
        // A by-hash name no Release listed: the hash is the name's, vouched for by nobody.
        return TryHashFromByHashPath(path, out var hash) ? new IndexedHash(hash, null, ArchiveTrust.NoSignature) : null;
    }

    /// <summary>
    /// Like <see cref="Find"/>, but first waits (bounded) for metadata of the same archive still being indexed, so that
    /// <c>apt-get update</c> followed at once by <c>apt-get install</c> finds every hash.
    /// </summary>
    public ValueTask<IndexedHash?> FindAsync(MirrorUrl url, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        // Synchronous in the common case (known, or nothing being indexed): no state machine on the path of every hit.
        var found = Find(url);
        return found is { Size: not null } || _pending.IsEmpty ? ValueTask.FromResult(found) : WaitAndFindAsync(url, found, maxWait, cancellationToken);
    }

    private async ValueTask<IndexedHash?> WaitAndFindAsync(MirrorUrl url, IndexedHash? found, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var covering = _pending.Values.Where(p => p.Covers(url)).Select(p => p.Done).ToList();
        if (covering.Count == 0)
            return found;
        try
        {
            await Task.WhenAll(covering).WaitAsync(maxWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Serve without the hash rather than make apt wait longer: the file then passes through unshared.
        }
        catch (Exception) when (covering.Any(t => t.IsFaulted))
        {
            // The ingestor logs its own failures.
        }
        return Find(url);
    }

    /// <summary>True when some archive metadata lists a file with this SHA-256 and size (whatever its path).</summary>
    public bool Lists(ContentHash hash, long size)
    {
        lock (_lock)
            return _files.Lists(hash, size);
    }

    /// <summary>
    /// True when only archives that are not verified (<c>unknown-key</c>, <c>unsigned</c>) list this file and
    /// <c>AptP2P:Trust:ShareUnverified</c> is off: the node caches it for its own clients but neither fetches it from peers,
    /// serves it to them nor announces it. A file no metadata lists is not withheld here (its cache entry decides).
    /// </summary>
    public bool IsWithheld(ContentHash hash)
    {
        // While the index loads at start, what it will say is not known yet: nothing goes to peers until it is.
        if (_loading)
            return true;
        lock (_lock)
            return _files.BestTrust(hash) is { } best && best != ArchiveTrust.Verified && !options.CurrentValue.Trust.ShareUnverified;
    }

    /// <summary>
    /// The trust of the archive whose Release governs <paramref name="path"/> (the nearest directory above it that holds a
    /// Release the node has read) at <paramref name="now"/>, or null when none is known: a verified Release whose
    /// <c>Valid-Until</c> has passed is <c>bad</c>, as apt refuses it.
    /// </summary>
    public ArchiveTrust? TrustOf(string authority, string path, DateTimeOffset now)
    {
        var directory = path;
        while (true)
        {
            var slash = directory.LastIndexOf('/');
            directory = slash < 0 ? "" : directory[..slash];
            if (_archives.TryGetValue(authority + "/" + directory, out var archive))
                return archive.ValidUntil < now ? ArchiveTrust.Bad : archive.Trust;
            if (slash < 0)
                return null;
        }
    }

    /// <summary>When the verified Release of an archive (mirror + its directory) stopped being valid, or null while it is.</summary>
    public DateTimeOffset? ExpiredAt(string authority, string directory, DateTimeOffset now) =>
        _archives.TryGetValue(authority + "/" + directory, out var archive) && archive.Trust != ArchiveTrust.Bad && archive.ValidUntil < now ? archive.ValidUntil : null;

    internal void MarkArchive(string authority, string directory, ArchiveTrust trust, DateTimeOffset? validUntil) =>
        _archives[authority + "/" + directory] = (trust, validUntil);

    /// <summary>Raised after a metadata file's entries are in (files on disk may now match).</summary>
    public event Action? Grew;

    internal void RaiseGrew() => Grew?.Invoke();

    /// <summary>The metadata file a by-hash URL stands for (<c>…/binary-amd64/Packages.xz</c>), or the URL's own path.</summary>
    public string CanonicalPathOf(MirrorUrl url) =>
        _byHashNames.TryGetValue(url.Key, out var name) ? name : url.Path;

    /// <inheritdoc cref="CanonicalPathOf(MirrorUrl)"/>
    internal string CanonicalPathOf(string authority, string path) =>
        _byHashNames.TryGetValue(authority + "/" + path, out var name) ? name : path;

    /// <summary>True when an indexed Release lists this index (<see cref="MetadataFileInfo.SourcePath"/>) under any compression.</summary>
    internal bool IsListedByRelease(string authority, string sourcePath) => _variants.ContainsKey(authority + "/" + sourcePath);

    /// <summary>
    /// The index files (Packages, Sources, pdiff Index, in each compression) that the newest indexed Release of their suite
    /// lists, with the hash it gives each: what the node should have indexed if it holds the file.
    /// </summary>
    internal IEnumerable<(string Authority, string Path, ContentHash Hash)> ListedIndexFiles()
    {
        foreach (var (byHashKey, canonical) in _byHashNames)
        {
            var slash = byHashKey.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !TryHashFromByHashPath(byHashKey, out var hash) || MetadataFile.Classify(canonical) is not { } info)
                continue;
            var authority = byHashKey[..slash];
            // By-hash names of older Releases stay known; only the newest Release's hashes are the index's content now.
            if (_variants.TryGetValue(authority + "/" + info.SourcePath, out var listed) && Array.IndexOf(listed, hash) >= 0)
                yield return (authority, canonical, hash);
        }
    }

    /// <summary>The URL keys (<c>host[:port]/path</c>) the index lists for each of <paramref name="hashes"/>, read from the database.</summary>
    internal static async Task<Dictionary<ContentHash, List<string>>> UrlsListingAsync(DbSession db, IReadOnlySet<ContentHash> hashes, CancellationToken cancellationToken)
    {
        var found = new Dictionary<ContentHash, List<string>>();
        // One pass over the table (rarely needed: crash recovery), rather than a query per hash.
        var rows = db.StreamAsync("SELECT \"Mirror\", \"Path\", \"Sha256\" FROM \"HashEntries\"",
            r => (Mirror: r.GetString(0), Path: r.GetString(1), Sha256: r.GetString(2)), cancellationToken);
        await foreach (var row in rows)
        {
            if (!ContentHash.TryParse(row.Sha256, out var hash) || !hashes.Contains(hash))
                continue;
            if (!found.TryGetValue(hash, out var keys))
                found[hash] = keys = [];
            keys.Add(row.Mirror + "/" + row.Path);
        }
        return found;
    }

    internal static bool TryHashFromByHashPath(string path, out ContentHash hash)
    {
        hash = default;
        var at = path.LastIndexOf(ByHashMarker, StringComparison.Ordinal);
        return at >= 0 && ContentHash.TryParse(path.AsSpan(at + ByHashMarker.Length), out hash);
    }

    internal static string ByHashPathOf(string path, string sha256)
    {
        var slash = path.LastIndexOf('/');
        return (slash < 0 ? "" : path[..(slash + 1)]) + "by-hash/SHA256/" + sha256;
    }

    /// <param name="fromRelease">Entries of a Release: those naming metadata files also get their by-hash alias.</param>
    /// <param name="trust">The trust of the archive whose metadata lists the file.</param>
    internal void Add(string authority, string path, ContentHash hash, long size, bool fromRelease = false, ArchiveTrust trust = ArchiveTrust.Verified)
    {
        var key = KeyOf(authority, path);
        lock (_lock)
            _files.Set(key, hash, size, trust);
        if (fromRelease && !path.Contains(ByHashMarker, StringComparison.Ordinal) && MetadataFile.Classify(path) is not null)
            _byHashNames[authority + "/" + ByHashPathOf(path, hash.ToString())] = path;
    }

    /// <summary>
    /// Forgets the <paramref name="gone"/> paths of a mirror (no indexed metadata lists them any more) and puts back the
    /// word of the source that still lists each of <paramref name="stillListed"/>; a file no remaining path names is no longer
    /// "listed" (<see cref="Lists"/>). Returns how many paths were forgotten.
    /// </summary>
    internal int Supersede(string authority, IReadOnlyList<string> gone, IReadOnlyList<(string Path, ContentHash Hash, long Size, ArchiveTrust Trust)> stillListed)
    {
        var forgotten = 0;
        lock (_lock)
        {
            foreach (var path in gone)
            {
                if (_files.Remove(KeyOf(authority, path), out _))
                    forgotten++;
            }
            foreach (var (path, hash, size, trust) in stillListed)
                _files.Set(KeyOf(authority, path), hash, size, trust);
            // The old and the new archive were both in the table for a moment: give back the room of the old one.
            if (_files.Capacity > 2 * _files.Count + 1024)
                _files.TrimExcess();
        }
        return forgotten;
    }

    /// <summary>
    /// True when this content, or another compression of the same index content (by-hash, <c>.gz</c>, <c>.xz</c>, plain),
    /// is what the source was last indexed from: apt alternating between names must not re-index the same entries.
    /// </summary>
    internal bool WasIngested(string authority, string sourcePath, ContentHash content)
    {
        var key = authority + "/" + sourcePath;
        if (!_ingested.TryGetValue(key, out var sha))
            return false;
        if (!ContentHash.TryParse(sha, out var indexed))
            return false;
        return indexed == content
            || (_variants.TryGetValue(key, out var listed) && Array.IndexOf(listed, indexed) >= 0 && Array.IndexOf(listed, content) >= 0);
    }

    /// <summary>Remembers which hashes a Release lists for the compressions of each index, replacing what an earlier one said.</summary>
    internal void LearnVariants(string authority, ReleaseVariants variants)
    {
        foreach (var (sourcePath, hashes) in variants.Indexes)
            _variants[authority + "/" + sourcePath] = [.. hashes];
    }

    internal void MarkIngested(string authority, string sourcePath, string contentSha256) =>
        _ingested[authority + "/" + sourcePath] = contentSha256;

    internal IDisposable BeginIngest(string authority, MetadataFileInfo info, Task done)
    {
        var id = Interlocked.Increment(ref _nextPending);
        _pending[id] = new PendingIngest(authority, info.BaseDirectory, info.Kind is MetadataKind.Packages or MetadataKind.Sources, done);
        return new PendingScope(this, id);
    }

    /// <summary>
    /// Runs <paramref name="load"/> (<see cref="LoadAsync"/> with a database context) in the background, so that the node
    /// answers apt at once: meanwhile requests for files not yet known wait for it as they wait for an index being read
    /// (<see cref="FindAsync"/>), ingestion waits (<see cref="WhenLoaded"/>), and nothing is served to or announced for peers
    /// (<see cref="IsWithheld"/>). <see cref="Grew"/> is raised at the end. The task returned fails if the load failed.
    /// </summary>
    internal Task StartLoading(Func<CancellationToken, Task> load, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Interlocked.Increment(ref _nextPending);
        _loading = true;
        _loaded = done.Task;
        _pending[id] = new PendingIngest("", "", ListsPackageFiles: false, done.Task) { Everything = true };
        return Task.Run(async () =>
        {
            try
            {
                await load(cancellationToken);
            }
            finally
            {
                _loading = false;
                _pending.TryRemove(id, out _);
                done.TrySetResult();
                RaiseGrew();
            }
        }, CancellationToken.None);
    }

    /// <summary>Completes when the load started by <see cref="StartLoading"/> has ended (at once when none was started).</summary>
    internal Task WhenLoaded => _loaded;

    /// <summary>Fills memory from the database at start.</summary>
    internal async Task LoadAsync(DbSession db, CancellationToken cancellationToken)
    {
        // The rows of a Release source are what its latest ingested Release listed: its variants are rebuilt from them.
        var releaseSources = new Dictionary<long, (string Mirror, ReleaseVariants Variants)>();
        var trustOf = new Dictionary<long, ArchiveTrust>();
        foreach (var source in await db.ListAsync(IndexRows.SelectSources, IndexRows.ReadSource, cancellationToken))
        {
            MarkIngested(source.Mirror, source.Path, source.ContentSha256);
            // Rows of versions before signatures were checked count as verified, as their files were treated then.
            var trust = ArchiveTrustWords.Parse(source.Trust) ?? ArchiveTrust.Verified;
            trustOf[source.Id] = trust;
            if (source.Kind == nameof(MetadataKind.Release))
            {
                releaseSources[source.Id] = (source.Mirror, new ReleaseVariants());
                MarkArchive(source.Mirror, source.Path, trust, source.ValidUntil);
            }
        }
        var rows = db.StreamAsync("SELECT \"Mirror\", \"Path\", \"Sha256\", \"Size\", \"SourceId\" FROM \"HashEntries\" ORDER BY \"Id\"",
            r => (Mirror: r.GetString(0), Path: r.GetString(1), Sha256: r.GetString(2), Size: r.GetInt64(3), SourceId: r.GetInt64(4)), cancellationToken);
        await foreach (var row in rows)
        {
            if (!ContentHash.TryParse(row.Sha256, out var hash))
                continue;
            var fromRelease = releaseSources.TryGetValue(row.SourceId, out var release);
            Add(row.Mirror, row.Path, hash, row.Size, fromRelease, trustOf.GetValueOrDefault(row.SourceId, ArchiveTrust.Verified));
            if (fromRelease)
                release.Variants.Add(row.Path, hash);
        }
        foreach (var (mirror, variants) in releaseSources.Values)
            LearnVariants(mirror, variants);
        lock (_lock)
        {
            // Loading grows the table by doubling: give back the slack of the last doubling.
            _files.TrimExcess();
        }
    }

    /// <summary>The 64-bit key of <c>authority/path</c> (XxHash3 of its UTF-16 text, seeded per process).</summary>
    private ulong KeyOf(string authority, string path)
    {
        var length = authority.Length + 1 + path.Length;
        char[]? rented = null;
        var text = length <= 1024 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        authority.CopyTo(text);
        text[authority.Length] = '/';
        path.CopyTo(text[(authority.Length + 1)..]);
        var key = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text), (long)_seed);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
        return key;
    }

    /// <param name="ListsPackageFiles">A Packages or Sources index: it lists package files, never apt's metadata files.</param>
    private sealed record PendingIngest(string Authority, string BaseDirectory, bool ListsPackageFiles, Task Done)
    {
        /// <summary>The index loading at start: every request may concern it.</summary>
        public bool Everything { get; init; }

        // apt-get update's InRelease and by-hash requests made while a large Packages file is indexed (at start, after a
        // crash) do not wait for it; nor does a Release's detached signature wait for the Release's indexing, which waits
        // for it (its signature is checked first).
        // Nor, while the index loads at start, does an archive's own InRelease, Release or Release.gpg (no Release lists them):
        // apt's first request of an update is answered at once, not after the load of a large index (about 1 s for 200,000 files).
        public bool Covers(MirrorUrl url) => Everything ? !IsArchiveRelease(url.Path) : (
            url.Authority == Authority && (BaseDirectory.Length == 0 || url.Path.StartsWith(BaseDirectory + "/", StringComparison.Ordinal))
            && !url.Path.EndsWith("/Release.gpg", StringComparison.Ordinal) && url.Path != "Release.gpg"
            && !(ListsPackageFiles && (url.Path.Contains(ByHashMarker, StringComparison.Ordinal) || MetadataFile.Classify(url.Path) is not null)));

        /// <summary>
        /// <c>InRelease</c> or <c>Release.gpg</c> anywhere, or a <c>Release</c> right under <c>dists/SUITE/</c> (a component's
        /// <c>Release</c>, which the suite's Release lists, is not one; nor, to be safe, a flat repository's).
        /// </summary>
        private static bool IsArchiveRelease(string path)
        {
            var slash = path.LastIndexOf('/');
            var name = path.AsSpan(slash + 1);
            if (name is "InRelease" or "Release.gpg")
                return true;
            if (slash < 0 || name is not "Release")
                return false;
            var suite = path.AsSpan(0, slash);
            var parent = suite.LastIndexOf('/');
            if (parent < 0)
                return false;
            var above = suite[..parent];
            return above.EndsWith("dists", StringComparison.Ordinal) && (above.Length == 5 || above[^6] == '/');
        }
    }

    private sealed class PendingScope(HashIndex index, long id) : IDisposable
    {
        public void Dispose() => index._pending.TryRemove(id, out _);
    }
}
