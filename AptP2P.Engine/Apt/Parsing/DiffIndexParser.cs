namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Reads a pdiff Index (<c>…/Packages.diff/Index</c>). <c>SHA256-Download</c> lists the patch
/// files as served (names already end in <c>.gz</c>), relative to the <c>.diff</c> directory;
/// dak also publishes the individual patches behind its merged ones under
/// <c>X-Unmerged-SHA256-Download</c>, in the same directory. <c>SHA256-History</c> and
/// <c>SHA256-Patches</c> hash the uncompressed index and patches, which no mirror serves, so they
/// give us nothing to fetch by (appending <c>.gz</c> to those names would pair a name with the
/// wrong hash).
/// </summary>
internal static class DiffIndexParser
{
    public static readonly ControlFields Fields = new("SHA256-Download", "X-Unmerged-SHA256-Download");

    public static IEnumerable<IndexedFile> Parse(ControlFileReader reader, string baseDirectory)
    {
        var paths = new ArchivePathBuilder(baseDirectory);
        while (reader.ReadStanza())
        {
            for (var field = 0; field < Fields.Count; field++)
            {
                var position = 0;
                while (TryReadEntry(reader, field, paths, ref position, out var entry))
                {
                    if (entry is not null)
                    {
                        yield return entry;
                    }
                }
            }
        }
    }

    private static bool TryReadEntry(ControlFileReader reader, int field, ArchivePathBuilder paths, ref int position, out IndexedFile? entry)
    {
        reader.TryGetValue(field, out var downloads);
        return ChecksumList.TryReadEntry(downloads, ref position, default, paths, reader.Counters, out entry);
    }
}
