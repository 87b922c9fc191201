using AptP2P.Engine.Apt.Decompression;

namespace AptP2P.Engine.Apt;

/// <summary>What a mirror path's name says about an apt index file.</summary>
/// <param name="MirrorPath">The classified path, e.g. <c>debian/dists/bookworm/main/binary-amd64/Packages.xz</c>.</param>
/// <param name="Kind">Which parser reads it.</param>
/// <param name="Compression">Compression declared by the suffix; the content is sniffed anyway.</param>
/// <param name="SourcePath">
/// The path without compression suffix; for InRelease/Release the suite directory, so that all
/// variants of one index share it.
/// </param>
/// <param name="BaseDirectory">The directory the file's entries are relative to ("" for the host root).</param>
public sealed record MetadataFileInfo(
    string MirrorPath,
    MetadataKind Kind,
    Compression Compression,
    string SourcePath,
    string BaseDirectory)
{
    /// <summary>An index of a flat repository (<c>deb uri dir/</c>): no <c>dists/</c> above it.</summary>
    public bool IsFlat => Kind is MetadataKind.Packages or MetadataKind.Sources
        && !MirrorPath.StartsWith("dists/", StringComparison.Ordinal) && !MirrorPath.Contains("/dists/", StringComparison.Ordinal);

    /// <summary>False when the name declares a compression we cannot decode.</summary>
    public bool IsSupported => Compression != Compression.Unsupported;
}
