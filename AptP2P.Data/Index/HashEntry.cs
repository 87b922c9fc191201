namespace AptP2P.Data.Index;

/// <summary>The SHA-256 and size the archive metadata gives for one path of a mirror.</summary>
public sealed class HashEntry
{
    public long Id { get; set; }
    public required string Mirror { get; set; }
    public required string Path { get; set; }
    public required string Sha256 { get; set; }
    public long Size { get; set; }
    public long SourceId { get; set; }
}
