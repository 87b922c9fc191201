namespace AptP2P.Data.Cache;

/// <summary>What a mirror last said about one URL: the content we hold for it and the headers to replay.</summary>
public sealed class UrlRecord
{
    /// <summary>Canonical <c>host[:port]/path</c>, percent-decoded.</summary>
    public required string Url { get; set; }
    public required string Sha256 { get; set; }
    public long Size { get; set; }
    public DateTimeOffset? LastModified { get; set; }
    public string? ContentType { get; set; }
    public string? ETag { get; set; }
    public DateTimeOffset FetchedAt { get; set; }
}
