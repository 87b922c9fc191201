using AptP2P.Engine.Apt.Decompression;

namespace AptP2P.Engine.Apt;

/// <summary>Recognises apt index files by their mirror path and opens their content.</summary>
public static class MetadataFile
{
    /// <summary>
    /// Classifies a mirror path by name only. By-hash URLs carry no name: the caller passes the
    /// canonical name it learned from the Release instead.
    /// </summary>
    /// <returns>null when the path is not an index file we parse.</returns>
    public static MetadataFileInfo? Classify(string mirrorPath)
    {
        ArgumentNullException.ThrowIfNull(mirrorPath);

        var path = mirrorPath.TrimStart('/');
        var slash = path.LastIndexOf('/');
        var directory = slash < 0 ? "" : path[..slash];
        var name = path.AsSpan(slash + 1);

        var stem = SplitCompressionSuffix(name, out var compression);
        var sourcePath = path[..(path.Length - (name.Length - stem.Length))];

        switch (stem)
        {
            case "InRelease" or "Release":
                // apt never fetches a compressed Release and archives do not publish one.
                return compression == Compression.None
                    ? new MetadataFileInfo(path, MetadataKind.Release, compression, directory, directory)
                    : null;
            case "Packages":
                return new MetadataFileInfo(path, MetadataKind.Packages, compression, sourcePath, ArchiveRoot(directory));
            case "Sources":
                return new MetadataFileInfo(path, MetadataKind.Sources, compression, sourcePath, ArchiveRoot(directory));
            case "Index" when directory.EndsWith(".diff", StringComparison.Ordinal):
                return new MetadataFileInfo(path, MetadataKind.DiffIndex, compression, sourcePath, directory);
            default:
                return null;
        }
    }

    /// <summary>
    /// Opens the decompressed content of an index file; the format is sniffed from the content, see <see cref="Decompressor.Open"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The content is zstd/lz4, or was declared in such a format and has no known magic.</exception>
    /// <remarks>Reads of the returned stream throw <see cref="InvalidDataException"/> for corrupt or truncated compressed data.</remarks>
    /// <param name="nativeXz">xz through the system's liblzma, or the managed fallback; null: liblzma where it loads.</param>
    public static Stream OpenDecompressed(Stream raw, Compression declared, bool leaveOpen = false, bool? nativeXz = null) =>
        Decompressor.Open(raw, declared, leaveOpen, nativeXz);

    private static ReadOnlySpan<char> SplitCompressionSuffix(ReadOnlySpan<char> name, out Compression compression)
    {
        var dot = name.LastIndexOf('.');
        Compression? suffix = dot < 0 ? null : name[(dot + 1)..] switch
        {
            "gz" => Compression.Gzip,
            "xz" => Compression.Xz,
            "bz2" => Compression.Bzip2,
            "lzma" or "zst" or "lz4" => Compression.Unsupported,
            _ => null,
        };
        compression = suffix ?? Compression.None;
        return suffix is null ? name : name[..dot];
    }

    /// <summary>
    /// Packages and Sources name files relative to the archive root: the directory holding
    /// <c>dists/</c>. A flat repository (<c>deb http://host/path ./</c>) has no <c>dists/</c>;
    /// its entries are relative to the directory of the index itself.
    /// </summary>
    private static string ArchiveRoot(string directory)
    {
        if (directory.StartsWith("dists/", StringComparison.Ordinal))
        {
            return "";
        }

        var dists = directory.IndexOf("/dists/", StringComparison.Ordinal);
        return dists < 0 ? directory : directory[..dists];
    }
}
