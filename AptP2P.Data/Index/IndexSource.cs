namespace AptP2P.Data.Index;

/// <summary>One metadata file (Release, Packages, Sources, pdiff Index) whose entries are in the hash index.</summary>
public sealed class IndexSource
{
    public long Id { get; set; }
    /// <summary><c>host[:port]</c> of the mirror.</summary>
    public required string Mirror { get; set; }
    /// <summary>Canonical path of the metadata file without compression suffix (for a Release: the suite directory).</summary>
    public required string Path { get; set; }
    public required string Kind { get; set; }
    /// <summary>SHA-256 of the content that was ingested, so the same file is never parsed twice.</summary>
    public required string ContentSha256 { get; set; }
    /// <summary>The <c>Date:</c> of a Release, so an older Release never replaces a newer one.</summary>
    public DateTimeOffset? Date { get; set; }
    /// <summary>The <c>Valid-Until:</c> of a Release: after it apt refuses the Release, and the node stops vouching for its archive.</summary>
    public DateTimeOffset? ValidUntil { get; set; }
    public DateTimeOffset IngestedAt { get; set; }
    public int EntryCount { get; set; }

    /// <summary>
    /// For a Release: <c>verified</c>, <c>unknown-key</c>, <c>bad</c> or <c>unsigned</c> (PROTOCOL.md's trust words); for a
    /// Packages/Sources index, the trust of the Release that listed it when it was indexed. Null in rows of older versions.
    /// </summary>
    public string? Trust { get; set; }

    /// <summary>The fingerprint of the key whose signature verified the Release.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Why a Release is not <c>verified</c>, as the log said it.</summary>
    public string? TrustReason { get; set; }
}
