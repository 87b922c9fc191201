namespace AptP2P.Testing.Repositories;

/// <summary>A binary package as the repository's Packages index lists it.</summary>
/// <param name="PoolPath">Path relative to the repository root, e.g. <c>pool/main/h/hello/hello_2.10-3_amd64.deb</c>.</param>
/// <param name="Sha256">Lower-case hex.</param>
public sealed record RepoPackage(string Name, string Version, string Architecture, string PoolPath, long Size, string Sha256)
{
    /// <summary>The file name apt gives the download in its archives directory (epoch colon encoded as <c>%3a</c>).</summary>
    public string ArchiveFileName => $"{Name}_{Version.Replace(":", "%3a", StringComparison.Ordinal)}_{Architecture}.deb";

    internal static RepoPackage FromIndexStanza(IReadOnlyDictionary<string, string> stanza) => new(
        stanza["Package"],
        stanza["Version"],
        stanza["Architecture"],
        stanza["Filename"],
        long.Parse(stanza["Size"], System.Globalization.CultureInfo.InvariantCulture),
        stanza["SHA256"]);
}
