namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Reads a Sources file: each line of a stanza's <c>Checksums-Sha256</c> names a file of the
/// source package (.dsc, tarballs) in the stanza's <c>Directory</c> under the archive root.
/// </summary>
internal static class SourcesParser
{
    public static readonly ControlFields Fields = new("Directory", "Checksums-Sha256");

    private const int DirectoryField = 0;
    private const int ChecksumsField = 1;

    public static IEnumerable<IndexedFile> Parse(ControlFileReader reader, string baseDirectory, bool flat = false)
    {
        var paths = new ArchivePathBuilder(baseDirectory, flat);
        while (reader.ReadStanza())
        {
            if (!reader.TryGetValue(DirectoryField, out _) || !reader.TryGetValue(ChecksumsField, out _))
            {
                reader.Counters.SkippedEntries++;
                continue;
            }

            var position = 0;
            while (TryReadEntry(reader, paths, ref position, out var entry))
            {
                if (entry is not null)
                {
                    yield return entry;
                }
            }
        }
    }

    // The stanza's values are spans into the reader, which cannot live across a yield: each
    // entry takes them afresh.
    private static bool TryReadEntry(ControlFileReader reader, ArchivePathBuilder paths, ref int position, out IndexedFile? entry)
    {
        reader.TryGetValue(DirectoryField, out var directory);
        reader.TryGetValue(ChecksumsField, out var checksums);
        return ChecksumList.TryReadEntry(checksums, ref position, directory, paths, reader.Counters, out entry);
    }
}
