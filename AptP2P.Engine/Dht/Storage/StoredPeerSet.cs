namespace AptP2P.Engine.Dht.Storage;

/// <summary>
/// Every live peer held for a key after a batch of changes (empty when the key is gone): the unit of persistence, so that
/// what the store evicted is deleted from disk as well and the disk never holds more than the store.
/// </summary>
public sealed record StoredPeerSet(NodeId Key, IReadOnlyList<StoredPeer> Peers);
