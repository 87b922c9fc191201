using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.Configuration;

/// <summary>The <c>AptP2P:Peers</c> section: what the node gives to and takes from other AptP2P nodes.</summary>
public sealed class PeerOptions
{
    public const string SectionName = "AptP2P:Peers";

    /// <summary>Peer downloads served at once; beyond, peers get 503 with Retry-After.</summary>
    [Range(0, 1024)]
    public int UploadSlots { get; set; } = 8;

    /// <summary>Upload rate over all peers in bytes per second (<c>10M</c>, <c>512K</c>); <c>0</c> means unlimited.</summary>
    [Required]
    public string UploadRateLimit { get; set; } = "0";

    /// <summary>Piece requests in flight to one peer.</summary>
    [Range(1, 64)]
    public int MaxDownloadsPerPeer { get; set; } = 4;

    /// <summary>
    /// Seconds the peers may need for the rest of a file beyond the adaptive grace before the mirror joins as another source.
    /// Higher values save mirror traffic (a metered or slow uplink); 0 brings the mirror in whenever the peers would not
    /// finish within the grace. The default keeps a download at most about two seconds behind a mirror faster than the peers.
    /// </summary>
    [Range(0, 3600)]
    public int SlowPeerToleranceSeconds { get; set; } = 2;

    /// <summary>Piece requests in flight over all peers and all files.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentPieceRequests { get; set; } = 16;

    /// <summary>Announce held files in the DHT and publish their piece lists.</summary>
    public bool Announce { get; set; } = true;

    /// <summary>Directories whose .deb files are hashed in the background and shared read-only (never moved or deleted).</summary>
    /// <remarks>
    /// Empty here because the configuration binder appends configured entries to a list's initial ones (so a configured list could
    /// never drop the default); <see cref="DefaultSharedDirectories"/> is filled in when the key is absent from configuration.
    /// </remarks>
    public string[] SharedDirectories { get; set; } = [];

    /// <summary>Shared when <c>AptP2P:Peers:SharedDirectories</c> is not configured at all.</summary>
    public static IReadOnlyList<string> DefaultSharedDirectories { get; } = ["/var/cache/apt/archives"];
}
