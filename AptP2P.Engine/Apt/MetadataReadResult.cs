using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Engine.Apt;

/// <summary>
/// A metadata file being read: the Release header (read at once) and the entries (read lazily
/// as <see cref="Entries"/> is enumerated, once). Bad input never throws: it ends the entries
/// early and shows in <see cref="Stats"/>. Dispose to return the pooled buffers.
/// </summary>
public sealed class MetadataReadResult : IDisposable
{
    private readonly ParseCounters _counters;
    private readonly IDisposable[] _resources;

    internal MetadataReadResult(
        MetadataFileInfo file,
        ReleaseInfo? release,
        IEnumerable<IndexedFile> entries,
        ParseCounters counters,
        params IDisposable[] resources)
    {
        File = file;
        Release = release;
        Entries = new GuardedEntries(entries, counters);
        _counters = counters;
        _resources = resources;
    }

    public MetadataFileInfo File { get; }

    /// <summary>The header of a Release/InRelease; null for other kinds and when reading failed before it.</summary>
    public ReleaseInfo? Release { get; }

    /// <summary>Every file the metadata lists, with full mirror paths. Single pass, streamed.</summary>
    public IEnumerable<IndexedFile> Entries { get; }

    /// <summary>Counts so far; final once <see cref="Entries"/> has been enumerated to the end.</summary>
    public ParseStats Stats => _counters.Snapshot();

    public void Dispose()
    {
        ((IDisposable)Entries).Dispose();
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }
    }
}
