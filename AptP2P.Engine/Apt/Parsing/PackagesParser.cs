namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Reads a Packages file: one entry per stanza from <c>Filename</c> (relative to the archive
/// root), <c>Size</c> and <c>SHA256</c>. A stanza missing any of them is skipped and counted.
/// </summary>
internal static class PackagesParser
{
    public static readonly ControlFields Fields = new("Filename", "Size", "SHA256");

    private const int FilenameField = 0;
    private const int SizeField = 1;
    private const int Sha256Field = 2;

    public static IEnumerable<IndexedFile> Parse(ControlFileReader reader, string baseDirectory, bool flat = false)
    {
        var paths = new ArchivePathBuilder(baseDirectory, flat);
        while (reader.ReadStanza())
        {
            if (TryReadEntry(reader, paths) is { } entry)
            {
                reader.Counters.Entries++;
                yield return entry;
            }
            else
            {
                reader.Counters.SkippedEntries++;
            }
        }
    }

    private static IndexedFile? TryReadEntry(ControlFileReader reader, ArchivePathBuilder paths)
    {
        if (!reader.TryGetValue(FilenameField, out var filename)
            || !reader.TryGetValue(SizeField, out var sizeText)
            || !reader.TryGetValue(Sha256Field, out var sha256)
            || !Sha256Hex.IsValid(sha256)
            || !ChecksumList.TryParseSize(sizeText, out var size)
            || paths.TryBuild(filename) is not { } path)
        {
            return null;
        }

        return new IndexedFile(path, Sha256Hex.ToCanonical(sha256), size);
    }
}
