namespace AptP2P.Engine.Apt.Trust;

/// <summary>What the signature of an archive's Release says, and so what the node does with the hashes it lists.</summary>
public enum ArchiveTrust
{
    /// <summary>Signed by a key in <c>AptP2P:Trust:Keyrings</c>: hashes learned, files fetched from peers, shared and announced.</summary>
    Verified,

    /// <summary>Signed, by a key the node does not have: hashes learned for the cache only, unless <c>ShareUnverified</c>.</summary>
    UnknownKey,

    /// <summary>The signature does not verify (or the key expired or was revoked, or the Release expired): nothing learned.</summary>
    Bad,

    /// <summary>No signature at all (or none could be checked): hashes learned for the cache only, unless <c>ShareUnverified</c>.</summary>
    NoSignature,
}

public static class ArchiveTrustWords
{
    /// <summary>The word the API, the database and the log use: <c>verified</c>, <c>unknown-key</c>, <c>bad</c>, <c>unsigned</c>.</summary>
    public static string ToWord(this ArchiveTrust trust) => trust switch
    {
        ArchiveTrust.Verified => "verified",
        ArchiveTrust.UnknownKey => "unknown-key",
        ArchiveTrust.Bad => "bad",
        _ => "unsigned",
    };

    public static ArchiveTrust? Parse(string? word) => word switch
    {
        "verified" => ArchiveTrust.Verified,
        "unknown-key" => ArchiveTrust.UnknownKey,
        "bad" => ArchiveTrust.Bad,
        "unsigned" => ArchiveTrust.NoSignature,
        _ => null,
    };
}

/// <summary>The outcome of checking one Release's signature.</summary>
/// <param name="SignedText">For a verified clearsigned InRelease, the text the signature covers (what the hashes are read from).</param>
/// <param name="Fingerprint">The primary key's fingerprint, when verified.</param>
/// <param name="Reason">Why it is not verified, for the log and the API.</param>
public sealed record SignatureCheck(ArchiveTrust Trust, string? Fingerprint, string? Reason, byte[]? SignedText = null);
