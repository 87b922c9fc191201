namespace AptP2P.Data.Dht;

/// <summary>This node's own DHT identity, kept so that a restart rejoins with the same id (one row).</summary>
public sealed class DhtSelf
{
    public int Id { get; set; }
    public required byte[] NodeId { get; set; }
    public string? ExternalAddress { get; set; }
}

/// <summary>A node of the saved routing table: reloaded at start so a restarted node is back in seconds.</summary>
public sealed class DhtRoutingEntry
{
    public required byte[] NodeId { get; set; }
    public required string Address { get; set; }
    public int Port { get; set; }
    public long LastSeenUnixMs { get; set; }
}

/// <summary>A peer another node announced to us for a key (BEP 5 announce_peer), until it expires.</summary>
public sealed class DhtStoredPeer
{
    public required byte[] InfoHash { get; set; }
    public required string Address { get; set; }
    public int Port { get; set; }
    public long ExpiresAtUnixMs { get; set; }
}

/// <summary>A BEP 44 item stored for others; <see cref="PublicKey"/> is null for immutable items.</summary>
public sealed class DhtStoredItem
{
    public required byte[] Target { get; set; }
    public required byte[] Value { get; set; }
    public byte[]? PublicKey { get; set; }
    public byte[]? Salt { get; set; }
    public long Seq { get; set; }
    public byte[]? Signature { get; set; }
    public long ExpiresAtUnixMs { get; set; }
}
