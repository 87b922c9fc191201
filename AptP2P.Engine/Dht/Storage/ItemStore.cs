using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht.Storage;

/// <summary>A BEP 44 item held for others: immutable when <see cref="Key"/> is null. <see cref="Value"/> is the bencoded <c>v</c>.</summary>
public sealed record StoredItem(NodeId Target, byte[] Value, byte[]? Key, byte[] Salt, long Seq, byte[]? Signature, long ExpiresAtMs)
{
    public bool IsMutable => Key is not null;
}

/// <summary>
/// BEP 44 items stored for others, with the BEP's rules for replacing a mutable item (sequence numbers, compare-and-swap),
/// expiry after <c>lifetime</c> unless put again, and a bound on the number of items. The targets changed since the last
/// persistence batch are remembered (at most the bound), and each batch writes what is held for them now.
/// </summary>
public sealed class ItemStore(TimeProvider time, int maxItems, TimeSpan lifetime)
{
    private readonly Dictionary<NodeId, StoredItem> _items = [];
    private HashSet<NodeId> _changed = [];

    public int Count => _items.Count;

    public StoredItem? Find(NodeId target)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return _items.TryGetValue(target, out var item) && item.ExpiresAtMs > now ? item : null;
    }

    /// <summary>Validates and stores a put; returns 0 or the BEP 44 error code to answer with.</summary>
    public int Put(PutArguments put, out NodeId target)
    {
        target = default;
        if (put.Value.Length > KrpcDecoder.MaxValueLength)
            return KrpcErrorCode.ValueTooBig;
        var expires = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)lifetime.TotalMilliseconds;
        if (!put.IsMutable)
        {
            target = NodeId.Sha1(put.Value);
            return Store(new StoredItem(target, put.Value, null, [], 0, null, expires));
        }
        if (put.Salt.Length > KrpcDecoder.MaxSaltLength)
            return KrpcErrorCode.SaltTooBig;
        var item = new MutableItem(put.Key!, put.Salt, put.Seq, put.Value, put.Signature!);
        if (!item.VerifySignature())
            return KrpcErrorCode.InvalidSignature;
        target = item.Target;
        if (_items.TryGetValue(target, out var existing) && existing.ExpiresAtMs > time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            if (put.Cas is { } cas && cas != existing.Seq)
                return KrpcErrorCode.CasMismatch;
            if (put.Seq < existing.Seq || (put.Seq == existing.Seq && !put.Value.AsSpan().SequenceEqual(existing.Value)))
                return KrpcErrorCode.SequenceTooLow;
        }
        return Store(new StoredItem(target, put.Value, put.Key, put.Salt, put.Seq, put.Signature, expires));
    }

    /// <summary>
    /// Restores a persisted item. A change is recorded only for an item beyond the bound, refused, so that the next batch
    /// deletes it from disk too.
    /// </summary>
    public void Load(StoredItem item)
    {
        if (item.ExpiresAtMs <= time.GetUtcNow().ToUnixTimeMilliseconds())
            return;
        if (_items.Count < maxItems || _items.ContainsKey(item.Target))
            _items[item.Target] = item;
        else
            _changed.Add(item.Target);
    }

    private int Store(StoredItem item)
    {
        if (!_items.ContainsKey(item.Target) && _items.Count >= maxItems)
        {
            Expire();
            if (_items.Count >= maxItems)
                return KrpcErrorCode.Server;
        }
        _items[item.Target] = item;
        _changed.Add(item.Target);
        return 0;
    }

    public void Expire()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (target, item) in _items.ToList())
        {
            if (item.ExpiresAtMs <= now)
                _items.Remove(target);
        }
    }

    /// <summary>What is held now for every target changed since the last call, for one persistence batch.</summary>
    public List<StoredItemChange> DrainChanges()
    {
        var changes = _changed.Select(t => new StoredItemChange(t, Find(t))).ToList();
        _changed = [];
        return changes;
    }
}
