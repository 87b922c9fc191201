namespace AptP2P.Engine.Dht.Routing;

/// <summary>Routing table tuning (BEP 5's K and the good/bad rules; libtorrent's larger far buckets).</summary>
public sealed record RoutingTableSettings(int K = 8, int MaxFailures = 3, bool ExtendedBuckets = true)
{
    /// <summary>BEP 5: a node is good for 15 minutes after it last answered.</summary>
    public TimeSpan GoodWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The far buckets hold more nodes (128, 64, 32, 16, then K), as libtorrent does: lookups start closer and finish in fewer hops.</summary>
    public int CapacityAt(int depth) => ExtendedBuckets && depth < 4 ? K << (4 - depth) : K;
}

/// <summary>
/// The Kademlia routing table of BEP 5: buckets by shared prefix with our id, only the bucket holding our id splits. Not
/// thread-safe: the owning <see cref="DhtNode"/> calls it under its lock.
/// </summary>
public sealed class RoutingTable
{
    private readonly List<Bucket> _buckets = [];
    private readonly TimeProvider _time;

    public RoutingTable(NodeId self, RoutingTableSettings settings, TimeProvider time)
    {
        Self = self;
        Settings = settings;
        _time = time;
        _buckets.Add(new Bucket(0, settings.CapacityAt(0)) { LastChanged = time.GetUtcNow() });
    }

    public NodeId Self { get; }
    public RoutingTableSettings Settings { get; }
    public IReadOnlyList<Bucket> Buckets => _buckets;
    public int Count => _buckets.Sum(b => b.Nodes.Count);

    public IEnumerable<RoutingNode> Nodes => _buckets.SelectMany(b => b.Nodes);

    public Bucket BucketFor(NodeId id) => _buckets[Math.Min(Self.CommonPrefixLength(id), _buckets.Count - 1)];

    public RoutingNode? Find(NodeId id) => BucketFor(id).Find(id);

    /// <summary>True when a node with this id would be taken in (room, a split, or a bad node to replace).</summary>
    public bool WouldAccept(NodeId id)
    {
        if (id == Self)
            return false;
        var bucket = BucketFor(id);
        return bucket.Find(id) is null
            && (!bucket.IsFull || IsSplittable(bucket) || bucket.Nodes.Exists(n => n.IsBad(Settings.MaxFailures)));
    }

    /// <summary>
    /// Records that a node answered one of our queries (<paramref name="responded"/>) or sent us one. Only nodes that answered
    /// enter the table. When the bucket is full of live nodes the newcomer waits in the replacement list and the stalest
    /// questionable node is returned in <paramref name="pingCandidate"/>: the caller pings it, and a failure makes room.
    /// </summary>
    public RoutingNode? Observe(NodeContact contact, bool responded, TimeSpan? rtt, out RoutingNode? pingCandidate)
    {
        pingCandidate = null;
        if (contact.Id == Self)
            return null;
        var now = _time.GetUtcNow();
        while (true)
        {
            var bucket = BucketFor(contact.Id);
            if (bucket.Find(contact.Id) is { } known)
            {
                // A known id from a new address is not trusted to move the entry (it could be spoofed).
                if (!known.EndPoint.Equals(contact.EndPoint))
                    return null;
                Touch(known, bucket, responded, rtt, now);
                return known;
            }
            if (!responded)
                return null;

            var node = bucket.FindReplacement(contact.Id) ?? new RoutingNode(contact);
            if (!node.EndPoint.Equals(contact.EndPoint))
                node = new RoutingNode(contact);
            Touch(node, bucket, responded: true, rtt, now);
            if (!bucket.IsFull)
            {
                bucket.Replacements.Remove(node);
                bucket.Nodes.Add(node);
                return node;
            }
            if (IsSplittable(bucket))
            {
                Split();
                continue;
            }
            var bad = bucket.Nodes.FindIndex(n => n.IsBad(Settings.MaxFailures));
            if (bad >= 0)
            {
                bucket.Nodes[bad] = node;
                bucket.Replacements.Remove(node);
                return node;
            }
            bucket.AddReplacement(node);
            pingCandidate = bucket.Nodes
                .Where(n => n.IsQuestionable(now, Settings.GoodWindow, Settings.MaxFailures))
                .MinBy(n => n.LastResponse);
            return node;
        }
    }

    private static void Touch(RoutingNode node, Bucket bucket, bool responded, TimeSpan? rtt, DateTimeOffset now)
    {
        if (responded)
        {
            node.LastResponse = now;
            node.FailedQueries = 0;
            if (rtt is { } sample)
                node.RecordRtt(sample);
        }
        else
        {
            node.LastQuery = now;
        }
        bucket.LastChanged = now;
    }

    /// <summary>A query to this node timed out. A bad node gives way to a replacement that has answered.</summary>
    public void Failed(NodeId id)
    {
        var bucket = BucketFor(id);
        if (bucket.FindReplacement(id) is { } waiting)
        {
            bucket.Replacements.Remove(waiting);
            return;
        }
        if (bucket.Find(id) is not { } node)
            return;
        node.FailedQueries++;
        if (!node.IsBad(Settings.MaxFailures))
            return;
        if (bucket.TakeReplacement() is { } replacement)
        {
            bucket.Nodes[bucket.Nodes.IndexOf(node)] = replacement;
        }
        else if (node.FailedQueries >= Settings.MaxFailures * 2)
        {
            bucket.Nodes.Remove(node);
        }
    }

    /// <summary>The <paramref name="count"/> non-bad nodes closest to <paramref name="target"/>, nearest first.</summary>
    public List<NodeContact> Closest(NodeId target, int count)
    {
        var all = new List<RoutingNode>(Count);
        foreach (var bucket in _buckets)
        {
            foreach (var node in bucket.Nodes)
            {
                if (!node.IsBad(Settings.MaxFailures))
                    all.Add(node);
            }
        }
        all.Sort((a, b) => a.Id.CompareDistance(b.Id, target));
        var result = new List<NodeContact>(Math.Min(count, all.Count));
        for (var i = 0; i < all.Count && result.Count < count; i++)
            result.Add(all[i].Contact);
        return result;
    }

    /// <summary>Buckets nobody touched for <paramref name="interval"/> (BEP 5 refreshes them with a lookup inside their range).</summary>
    public IEnumerable<Bucket> StaleBuckets(TimeSpan interval)
    {
        var now = _time.GetUtcNow();
        return _buckets.Where(b => now - b.LastChanged >= interval);
    }

    /// <summary>A random id that falls into <paramref name="bucket"/>.</summary>
    public NodeId RandomIdIn(Bucket bucket, Random random)
    {
        var isLast = ReferenceEquals(bucket, _buckets[^1]);
        return isLast ? Self.RandomWithPrefix(bucket.Depth, flipNext: false, random) : Self.RandomWithPrefix(bucket.Depth, flipNext: true, random);
    }

    /// <summary>The same nodes under a new own id (after BEP 42 gave us one): buckets depend on it.</summary>
    public RoutingTable Rebuild(NodeId self)
    {
        var table = new RoutingTable(self, Settings, _time);
        foreach (var node in Nodes.OrderByDescending(n => n.LastResponse))
        {
            table.Observe(node.Contact, responded: true, rtt: node.Rtt == TimeSpan.Zero ? null : node.Rtt, out _);
            if (table.Find(node.Id) is { } copy)
                copy.LastResponse = node.LastResponse;
        }
        return table;
    }

    private bool IsSplittable(Bucket bucket) => ReferenceEquals(bucket, _buckets[^1]) && bucket.Depth < NodeId.Bits - 1;

    private void Split()
    {
        var last = _buckets[^1];
        var next = new Bucket(last.Depth + 1, Settings.CapacityAt(last.Depth + 1)) { LastChanged = last.LastChanged };
        _buckets.Add(next);
        MoveDeeper(last.Nodes, next.Nodes, last.Depth);
        MoveDeeper(last.Replacements, next.Replacements, last.Depth);
        // The far bucket may now have room for replacements that waited.
        while (!last.IsFull && last.TakeReplacement() is { } waiting)
            last.Nodes.Add(waiting);
        while (next.Nodes.Count > next.Capacity)
        {
            next.AddReplacement(next.Nodes[^1]);
            next.Nodes.RemoveAt(next.Nodes.Count - 1);
        }
    }

    private void MoveDeeper(List<RoutingNode> from, List<RoutingNode> to, int depth)
    {
        for (var i = from.Count - 1; i >= 0; i--)
        {
            if (Self.CommonPrefixLength(from[i].Id) > depth)
            {
                to.Insert(0, from[i]);
                from.RemoveAt(i);
            }
        }
    }
}
