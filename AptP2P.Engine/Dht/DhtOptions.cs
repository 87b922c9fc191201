using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.Dht;

/// <summary>The <c>AptP2P:Dht</c> configuration section. The UDP port and address are <c>AptP2P:Port</c> and <c>AptP2P:BindAddress</c>.</summary>
public sealed class DhtOptions
{
    public const string SectionName = "AptP2P:Dht";

    /// <summary>The public Mainline routers, used when <c>AptP2P:Dht:BootstrapNodes</c> is not configured at all.</summary>
    public static IReadOnlyList<string> PublicRouters { get; } =
        ["router.bittorrent.com:6881", "dht.transmissionbt.com:6881", "router.utorrent.com:6881", "dht.libtorrent.org:25401"];

    /// <summary>Contract: <c>host:port</c> entries; an empty list means "only the saved routing table".</summary>
    public string[] BootstrapNodes { get; set; } = [];

    /// <summary>Queries a lookup keeps in flight (Kademlia's α).</summary>
    [Range(1, 32)]
    public int Alpha { get; set; } = 4;

    /// <summary>Bucket size and the number of closest nodes a lookup converges on (BEP 5's K).</summary>
    [Range(2, 32)]
    public int BucketSize { get; set; } = 8;

    /// <summary>Larger far buckets (libtorrent's extended routing table): fewer hops per lookup.</summary>
    public bool ExtendedBuckets { get; set; } = true;

    /// <summary>Hard timeout of one query: after it the node counts as failed.</summary>
    [Range(100, 60_000)]
    public int QueryTimeoutMs { get; set; } = 2_000;

    /// <summary>Floor of the adaptive "slow" threshold after which a lookup stops waiting for a node and asks another.</summary>
    [Range(5, 10_000)]
    public int MinSlowQueryMs { get; set; } = 50;

    /// <summary>BEP 43: send <c>ro=1</c> so that others do not put this node in their routing tables.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Turn read-only by itself while no node reaches this one unasked (behind a NAT or firewall), and back when one does.</summary>
    public bool AutoReadOnly { get; set; } = true;

    /// <summary>How long after we sent to an endpoint a NAT may still let its packets in: queries within it prove nothing.</summary>
    [Range(1, 3600)]
    public int PinholeSeconds { get; set; } = 180;

    /// <summary>Joined this long with no node reaching us unasked: unreachable.</summary>
    [Range(1, 24 * 3600)]
    public int ReachabilityGraceSeconds { get; set; } = 300;

    /// <summary>The last proof of reachability counts this long.</summary>
    [Range(1, 24 * 60)]
    public int ReachabilityWindowMinutes { get; set; } = 30;

    /// <summary>While read-only by itself, a few nodes are pinged without <c>ro</c> this often, so that they may reach us later.</summary>
    [Range(1, 24 * 3600)]
    public int ReachabilityProbeSeconds { get; set; } = 120;

    [Range(1, 1_000_000)]
    public int MaxStoredKeys { get; set; } = 5_000;

    [Range(1, 10_000)]
    public int MaxPeersPerKey { get; set; } = 100;

    [Range(1, 1_000_000)]
    public int MaxStoredItems { get; set; } = 2_000;

    [Range(1, 24 * 60)]
    public int PeerLifetimeMinutes { get; set; } = 30;

    [Range(1, 7 * 24 * 60)]
    public int ItemLifetimeMinutes { get; set; } = 120;

    [Range(1, 60)]
    public int TokenRotationMinutes { get; set; } = 5;

    /// <summary>Sustained queries per second accepted from one IP address; beyond that they are dropped.</summary>
    [Range(0.1, 1_000_000)]
    public double MaxQueriesPerSecondPerAddress { get; set; } = 25;

    [Range(1, 1_000_000)]
    public int QueryBurstPerAddress { get; set; } = 100;

    /// <summary>Distinct responders that must agree on our external address before we believe it (BEP 42).</summary>
    [Range(1, 100)]
    public int ExternalAddressVotes { get; set; } = 3;

    /// <summary>Take a BEP 42 id once a public external address is known.</summary>
    public bool UseSecureNodeId { get; set; } = true;

    [Range(1, 24 * 60)]
    public int BucketRefreshMinutes { get; set; } = 15;

    /// <summary>Longest wait between bootstrap attempts while no node answers.</summary>
    [Range(1, 24 * 3600)]
    public int MaxBootstrapBackoffSeconds { get; set; } = 300;

    /// <summary>How often the routing table is saved to the database.</summary>
    [Range(1, 24 * 60)]
    public int SaveIntervalMinutes { get; set; } = 5;
}
