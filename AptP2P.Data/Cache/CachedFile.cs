namespace AptP2P.Data.Cache;

/// <summary>A verified file in the content-addressed store, named by its SHA-256.</summary>
public sealed class CachedFile
{
    public required string Sha256 { get; set; }
    public long Size { get; set; }
    public DateTimeOffset StoredAt { get; set; }
    public DateTimeOffset LastAccessAt { get; set; }
    /// <summary>True when the hash was known from archive metadata before the file was stored (it may be shared with peers).</summary>
    public bool Verified { get; set; }
    public long Hits { get; set; }
    /// <summary>Bytes of this file sent to peers.</summary>
    public long UploadedBytes { get; set; }
    /// <summary>The bencoded piece list (PROTOCOL.md §2.1) of a verified file larger than one piece, once computed.</summary>
    public byte[]? PieceList { get; set; }
}
