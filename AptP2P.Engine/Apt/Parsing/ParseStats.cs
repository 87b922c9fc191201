namespace AptP2P.Engine.Apt.Parsing;

/// <summary>What a parse of one metadata file produced, for logs and for deciding whether to trust it.</summary>
/// <param name="Stanzas">Stanzas (paragraphs) read.</param>
/// <param name="Entries">Entries yielded (by-hash aliases included).</param>
/// <param name="SkippedEntries">Stanzas or hash lines dropped: a field missing, bad hash or size, unsafe path.</param>
/// <param name="MalformedLines">Lines that are neither field, continuation, comment nor blank.</param>
/// <param name="Completed">The whole file was read without error.</param>
/// <param name="Error">Why reading stopped early (corrupt or truncated data, I/O failure); null otherwise.</param>
public sealed record ParseStats(
    long Stanzas,
    long Entries,
    long SkippedEntries,
    long MalformedLines,
    bool Completed,
    string? Error)
{
    public bool Failed => Error is not null;
}

/// <summary>Mutable counters shared by the reader and a parser while a file is read.</summary>
internal sealed class ParseCounters
{
    public long Stanzas { get; set; }

    public long Entries { get; set; }

    public long SkippedEntries { get; set; }

    public long MalformedLines { get; set; }

    public bool Completed { get; set; }

    public string? Error { get; set; }

    public ParseStats Snapshot() => new(Stanzas, Entries, SkippedEntries, MalformedLines, Completed, Error);
}
