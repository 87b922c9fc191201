using System.Collections.Concurrent;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Persistence;

namespace AptP2P.Engine.Pieces;

/// <summary>
/// The piece lists of the files we hold: computed once from the stored file, kept in the database (so re-announcing a large
/// cache never re-reads it) and the most recently used ones in memory.
/// </summary>
public sealed class PieceListStore(ContentStore store, NodeDatabase database, DatabaseWriter writer)
{
    private const int MemoryCapacity = 2048;
    private readonly ConcurrentDictionary<ContentHash, byte[]> _recent = new();

    /// <summary>The bencoded list of a verified file we hold, or null for a file of one piece or one we do not hold.</summary>
    public async Task<byte[]?> GetEncodedAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        if (store.Find(hash) is not { Verified: true } entry || PieceList.IsSinglePiece(entry.Size))
            return null;
        if (_recent.TryGetValue(hash, out var known))
            return known;

        var sha = hash.ToString();
        await using (var db = await database.OpenAsync(cancellationToken))
        {
            var stored = await db.FirstOrAsync("SELECT \"PieceList\" FROM \"CachedFiles\" WHERE \"Sha256\" = @p0",
                r => r.GetBytesOrNull(0), null, cancellationToken, sha);
            if (stored is not null)
                return Remember(hash, stored);
        }

        using var lease = store.TryOpen(hash, touch: false);
        if (lease is null)
            return null;
        return Keep(hash, await Task.Run(() => PieceList.Compute(lease.Handle, lease.Entry.Size), cancellationToken));
    }

    /// <summary>
    /// The piece list of a file just stored, hashed as it was written (<see cref="PieceHasher"/>): kept so that announcing
    /// and serving it never reads the file back. Enqueued after the file's own row, so the update finds it.
    /// </summary>
    public byte[] Keep(ContentHash hash, PieceList pieces)
    {
        var encoded = pieces.Encode();
        var sha = hash.ToString();
        writer.Enqueue("piece list", (db, ct) =>
            db.ExecuteAsync("UPDATE \"CachedFiles\" SET \"PieceList\" = @p1 WHERE \"Sha256\" = @p0", ct, sha, encoded));
        return Remember(hash, encoded);
    }

    private byte[] Remember(ContentHash hash, byte[] encoded)
    {
        if (_recent.Count >= MemoryCapacity)
            _recent.Clear();
        _recent[hash] = encoded;
        return encoded;
    }
}
