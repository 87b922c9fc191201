namespace AptP2P.Engine.Apt.Index;

/// <summary>
/// The hashes one Release gives for the compressions of each index it lists (<c>Packages</c>, <c>Packages.gz</c>,
/// <c>Packages.xz</c>, …), gathered while its entries are read. Hashes that one Release lists side by side for one index
/// are files with the same decompressed content: the Release vouches for it.
/// </summary>
internal sealed class ReleaseVariants
{
    private readonly Dictionary<string, List<ContentHash>> _bySource = new(StringComparer.Ordinal);

    /// <summary>The indexes seen, by <see cref="MetadataFileInfo.SourcePath"/>, each with the hashes of its variants.</summary>
    public IEnumerable<KeyValuePair<string, List<ContentHash>>> Indexes => _bySource;

    /// <summary>Notes one Release entry; entries that are no index we parse (and by-hash names) are ignored.</summary>
    public void Add(string path, ContentHash hash)
    {
        if (path.Contains("/by-hash/", StringComparison.Ordinal) || MetadataFile.Classify(path) is not { Kind: not MetadataKind.Release } info)
            return;
        if (!_bySource.TryGetValue(info.SourcePath, out var hashes))
            _bySource[info.SourcePath] = hashes = [];
        if (!hashes.Contains(hash))
            hashes.Add(hash);
    }
}
