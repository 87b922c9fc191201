namespace AptP2P.Engine.Dht.Routing;

/// <summary>
/// One k-bucket: the nodes whose ids share exactly <see cref="Depth"/> leading bits with ours (or at least that many, for the
/// last bucket), plus a replacement list of nodes that answered while the bucket was full.
/// </summary>
public sealed class Bucket(int depth, int capacity)
{
    public int Depth { get; internal set; } = depth;
    public int Capacity { get; internal set; } = capacity;
    public List<RoutingNode> Nodes { get; } = new(capacity);
    public List<RoutingNode> Replacements { get; } = new(capacity);
    public DateTimeOffset LastChanged { get; set; }

    public bool IsFull => Nodes.Count >= Capacity;

    public RoutingNode? Find(NodeId id) => Nodes.Find(n => n.Id == id);

    public RoutingNode? FindReplacement(NodeId id) => Replacements.Find(n => n.Id == id);

    /// <summary>Keeps the replacement list bounded: the newest stays, the oldest goes.</summary>
    public void AddReplacement(RoutingNode node)
    {
        Replacements.RemoveAll(r => r.Id == node.Id);
        if (Replacements.Count >= Capacity)
            Replacements.RemoveAt(0);
        Replacements.Add(node);
    }

    /// <summary>The freshest replacement that has answered, taken out of the list.</summary>
    public RoutingNode? TakeReplacement()
    {
        for (var i = Replacements.Count - 1; i >= 0; i--)
        {
            var candidate = Replacements[i];
            Replacements.RemoveAt(i);
            if (candidate.FailedQueries == 0)
                return candidate;
        }
        return null;
    }
}
