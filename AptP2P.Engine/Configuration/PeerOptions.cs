using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.Configuration;

/// <summary>The <c>AptP2P:Peers</c> section: how this node exchanges files with other nodes.</summary>
public sealed class PeerOptions
{
    public const string SectionName = "AptP2P:Peers";

    /// <summary>Peers served at once; further requests wait or are refused.</summary>
    [Range(0, 1024)]
    public int UploadSlots { get; set; } = 8;

    /// <summary>Upload limit in bytes per second over all peers: <c>0</c> is unlimited, or a size such as <c>512K</c> or <c>10M</c>.</summary>
    [Required]
    public string UploadRateLimit { get; set; } = "0";

    /// <summary>Files fetched from one peer at once.</summary>
    [Range(1, 64)]
    public int MaxDownloadsPerPeer { get; set; } = 4;

    /// <summary>Piece requests in flight for one file, over all its sources.</summary>
    [Range(1, 256)]
    public int MaxConcurrentPieceRequests { get; set; } = 16;

    /// <summary>Announce cached files in the DHT, so that other nodes find them here.</summary>
    public bool Announce { get; set; } = true;

    /// <summary>Shared when <c>AptP2P:Peers:SharedDirectories</c> is not configured at all (an empty list shares none).</summary>
    public static IReadOnlyList<string> DefaultSharedDirectories { get; } = ["/var/cache/apt/archives"];

    /// <summary>
    /// Extra directories of .deb files offered to peers (absolute paths), such as apt's own archive cache. Empty here because the
    /// configuration binder appends to a list's initial items; <see cref="DefaultSharedDirectories"/> is filled in when the key is absent.
    /// </summary>
    public string[] SharedDirectories { get; set; } = [];

    /// <summary>The upload limit in bytes per second, 0 for none; false when <see cref="UploadRateLimit"/> is not a size.</summary>
    public bool TryGetUploadRateLimit(out long bytesPerSecond) => ByteSize.TryParse(UploadRateLimit, out bytesPerSecond);
}
