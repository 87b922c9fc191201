namespace AptP2P.Engine.Dht.Storage;

/// <summary>The item now held for a target, or null when it is no longer held: the unit of persistence of the items.</summary>
public sealed record StoredItemChange(NodeId Target, StoredItem? Item);
