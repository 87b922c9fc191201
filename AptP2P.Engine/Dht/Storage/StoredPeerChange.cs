namespace AptP2P.Engine.Dht.Storage;

/// <summary>
/// The unit of persistence of a key's peers: the peers announced since the last batch, or, when <see cref="ReplacesKey"/>,
/// every live peer the store holds for the key (empty when the key is gone) after it evicted or refused one, so that the
/// disk never holds a peer the store let go of.
/// </summary>
public sealed record StoredPeerChange(NodeId Key, IReadOnlyList<StoredPeer> Peers, bool ReplacesKey);
