using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.Discovery;

/// <summary>The <c>AptP2P:Discovery</c> section: how the node finds other nodes (docs/PROTOCOL-LAN.md). Applied live.</summary>
public sealed class DiscoveryOptions
{
    public const string SectionName = "AptP2P:Discovery";

    /// <summary>A hello carries an HMAC over known bytes, so a short secret falls to an offline guess from one overheard packet.</summary>
    public const int MinSwarmKeyLength = 12;

    /// <summary>Announce this node on the local network and hear the others (multicast, UDP <see cref="Port"/>).</summary>
    public bool Lan { get; set; } = true;

    /// <summary>
    /// Take part in the public Mainline DHT. Off makes a LAN-only swarm: no datagram of the DHT goes to an address outside the
    /// LAN scope (private, link-local, unique-local, loopback), so nothing outside learns which packages this network installs.
    /// </summary>
    public bool PublicDht { get; set; } = true;

    /// <summary>
    /// A secret shared by the nodes of one swarm: only nodes that prove they know it are heard, asked and served. The proof is
    /// an HMAC: the key itself never goes on the wire. Empty means no key.
    /// </summary>
    [MaxLength(1024)]
    public string? SwarmKey { get; set; }

    /// <summary>The UDP port of local discovery (BEP 14's port, the same on every node of a LAN).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 6771;

    /// <summary>Seconds between two announcements once the first few are out; each is jittered by ±20 %.</summary>
    [Range(10, 24 * 3600)]
    public int AnnounceIntervalSeconds { get; set; } = 300;

    /// <summary>A LAN peer not heard for this long is forgotten (three announcement intervals by default).</summary>
    [Range(1, 24 * 60)]
    public int PeerExpiryMinutes { get; set; } = 15;

    /// <summary>LAN peers kept at most; beyond, the one heard longest ago gives way.</summary>
    [Range(1, 100_000)]
    public int MaxPeers { get; set; } = 1_000;

    public bool HasSwarmKey => !string.IsNullOrEmpty(SwarmKey);
}
