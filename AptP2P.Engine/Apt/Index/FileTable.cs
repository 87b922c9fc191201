using AptP2P.Engine.Apt.Trust;

namespace AptP2P.Engine.Apt.Index;

/// <summary>
/// The index's one table of files: per path (a 64-bit key of <c>mirror/path</c>) the SHA-256, size and trust its archive
/// gives, found by the key or by the hash. One 48-byte row per path in a dense array, and two open-addressed tables of row
/// numbers (4 bytes a bucket, linear probing, at most two thirds full) for the two ways in: about 58 bytes a path where a
/// dictionary per way took 128 (all of Debian, 211,000 paths: 12 MB instead of 27). Not thread-safe: <see cref="HashIndex"/>
/// holds its lock around every call.
/// </summary>
internal sealed class FileTable
{
    private const long SizeMask = (1L << 56) - 1;

    private Row[] _rows = [];
    private int _count;
    // Row number + 1 per bucket, 0 for an empty bucket; both tables have the same power-of-two length.
    private int[] _byKey = [];
    private int[] _byHash = [];
    private int _mask = -1;

    public int Count => _count;

    /// <summary>Rows the table has room for without growing.</summary>
    public int Capacity => _rows.Length;

    public bool TryGet(ulong key, out ContentHash hash, out long size, out ArchiveTrust trust)
    {
        var at = Find(key);
        if (at < 0)
        {
            (hash, size, trust) = (default, 0, default);
            return false;
        }
        ref var row = ref _rows[at];
        (hash, size, trust) = (row.Hash, row.Size, row.Trust);
        return true;
    }

    /// <summary>Adds the path, or replaces what the table held for it.</summary>
    public void Set(ulong key, ContentHash hash, long size, ArchiveTrust trust)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, SizeMask);
        var at = Find(key);
        if (at >= 0)
        {
            if (_rows[at].Hash != hash)
            {
                // Another hash: the row moves to the new hash's chain.
                RemoveFrom(_byHash, byKey: false, BucketOfHash(_rows[at].Hash), at);
                _rows[at] = new Row(key, hash, size, trust);
                Insert(_byHash, BucketOfHash(hash), at);
            }
            else
            {
                _rows[at] = new Row(key, hash, size, trust);
            }
            return;
        }
        if (_count == _rows.Length)
            Resize(Math.Max(16, _rows.Length * 2));
        at = _count++;
        _rows[at] = new Row(key, hash, size, trust);
        Insert(_byKey, BucketOfKey(key), at);
        Insert(_byHash, BucketOfHash(hash), at);
    }

    /// <summary>Removes the path; gives the hash it had.</summary>
    public bool Remove(ulong key, out ContentHash hash)
    {
        var at = Find(key);
        if (at < 0)
        {
            hash = default;
            return false;
        }
        hash = _rows[at].Hash;
        RemoveFrom(_byKey, byKey: true, BucketOfKey(key), at);
        RemoveFrom(_byHash, byKey: false, BucketOfHash(hash), at);
        // The last row fills the hole, so the rows stay dense.
        var last = --_count;
        if (at != last)
        {
            var moved = _rows[last];
            _rows[at] = moved;
            Renumber(_byKey, BucketOfKey(moved.Key), last, at);
            Renumber(_byHash, BucketOfHash(moved.Hash), last, at);
        }
        _rows[last] = default;
        return true;
    }

    /// <summary>True when some path has this hash and this size.</summary>
    public bool Lists(ContentHash hash, long size)
    {
        for (var bucket = BucketOfHash(hash); _byHash.Length > 0 && _byHash[bucket] != 0; bucket = (bucket + 1) & _mask)
        {
            ref var row = ref _rows[_byHash[bucket] - 1];
            if (row.Hash == hash && row.Size == size)
                return true;
        }
        return false;
    }

    /// <summary>The best trust of the archives listing this hash under any path (a verified archive's word wins), or null.</summary>
    public ArchiveTrust? BestTrust(ContentHash hash)
    {
        ArchiveTrust? best = null;
        for (var bucket = BucketOfHash(hash); _byHash.Length > 0 && _byHash[bucket] != 0; bucket = (bucket + 1) & _mask)
        {
            ref var row = ref _rows[_byHash[bucket] - 1];
            if (row.Hash != hash)
                continue;
            if (row.Trust == ArchiveTrust.Verified)
                return ArchiveTrust.Verified;
            best ??= row.Trust;
        }
        return best;
    }

    /// <summary>Gives back the room beyond what the rows need (after a load, or an archive superseded by a smaller one).</summary>
    public void TrimExcess()
    {
        if (_rows.Length > _count + _count / 8 + 16)
            Resize(_count);
    }

    private int Find(ulong key)
    {
        for (var bucket = BucketOfKey(key); _byKey.Length > 0 && _byKey[bucket] != 0; bucket = (bucket + 1) & _mask)
        {
            var at = _byKey[bucket] - 1;
            if (_rows[at].Key == key)
                return at;
        }
        return -1;
    }

    private int BucketOfKey(ulong key) => (int)(key ^ (key >> 32)) & _mask;

    private int BucketOfHash(ContentHash hash) => hash.GetHashCode() & _mask;

    private void Insert(int[] table, int bucket, int at)
    {
        while (table[bucket] != 0)
            bucket = (bucket + 1) & _mask;
        table[bucket] = at + 1;
    }

    /// <summary>Points the bucket that holds row <paramref name="from"/> (on the chain from <paramref name="bucket"/>) at row <paramref name="to"/>.</summary>
    private void Renumber(int[] table, int bucket, int from, int to)
    {
        while (table[bucket] != from + 1)
            bucket = (bucket + 1) & _mask;
        table[bucket] = to + 1;
    }

    /// <summary>Empties the bucket of row <paramref name="at"/> and shifts back the rows after it that probed past it.</summary>
    private void RemoveFrom(int[] table, bool byKey, int bucket, int at)
    {
        while (table[bucket] != at + 1)
            bucket = (bucket + 1) & _mask;
        var hole = bucket;
        var next = hole;
        while (true)
        {
            next = (next + 1) & _mask;
            if (table[next] == 0)
                break;
            ref var row = ref _rows[table[next] - 1];
            var home = byKey ? BucketOfKey(row.Key) : BucketOfHash(row.Hash);
            // The entry at next may fill the hole only if its home is not cyclically within (hole, next].
            var stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (stays)
                continue;
            table[hole] = table[next];
            hole = next;
        }
        table[hole] = 0;
    }

    private void Resize(int rows)
    {
        Array.Resize(ref _rows, rows);
        // Buckets: a power of two at least 1.5 times the rows, so a table is at most two thirds full.
        var buckets = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(rows + rows / 2)));
        if (buckets == _byKey.Length)
            return;
        _byKey = new int[buckets];
        _byHash = new int[buckets];
        _mask = buckets - 1;
        for (var at = 0; at < _count; at++)
        {
            Insert(_byKey, BucketOfKey(_rows[at].Key), at);
            Insert(_byHash, BucketOfHash(_rows[at].Hash), at);
        }
    }

    /// <summary>48 bytes: the path's key, the hash, and the size with the trust in its top byte.</summary>
    private readonly struct Row(ulong key, ContentHash hash, long size, ArchiveTrust trust)
    {
        private readonly long _sizeAndTrust = size | ((long)(byte)trust << 56);

        public ulong Key { get; } = key;
        public ContentHash Hash { get; } = hash;
        public long Size => _sizeAndTrust & SizeMask;
        public ArchiveTrust Trust => (ArchiveTrust)(byte)((ulong)_sizeAndTrust >> 56);
    }
}
