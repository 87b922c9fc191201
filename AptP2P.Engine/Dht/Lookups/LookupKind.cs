namespace AptP2P.Engine.Dht.Lookups;

/// <summary>What a lookup asks each node on its way: find_node, get_peers or get (BEP 44).</summary>
public enum LookupKind : byte
{
    FindNode,
    GetPeers,
    GetItem,
}

/// <summary>A node that answered a lookup, with the write token it gave (for announce_peer or put).</summary>
public sealed record LookupResponder(NodeContact Contact, byte[]? Token);

/// <summary>How a lookup ended: the closest nodes that answered (nearest first), and what it cost.</summary>
public sealed record LookupResult(IReadOnlyList<LookupResponder> Closest, int QueriesSent, int Responses, int Timeouts, TimeSpan Elapsed, bool Cancelled);
