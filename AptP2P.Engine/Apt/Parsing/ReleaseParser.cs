using System.Text;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Reads a Release/InRelease (after armour stripping): the header fields, and from the
/// <c>SHA256</c> field the hashes of every index of the suite. MD5Sum, SHA1 and SHA512 are
/// ignored: files are identified by SHA-256 only.
/// </summary>
internal static class ReleaseParser
{
    public static readonly ControlFields Fields = new("Date", "Valid-Until", "Suite", "Codename", "Acquire-By-Hash", "SHA256");

    private const int DateField = 0;
    private const int ValidUntilField = 1;
    private const int SuiteField = 2;
    private const int CodenameField = 3;
    private const int AcquireByHashField = 4;
    private const int Sha256Field = 5;

    /// <summary>
    /// Reads the Release's one stanza. The hash list is copied out (tens of kilobytes for Debian)
    /// because the header fields that decide how to expand it may come after it.
    /// </summary>
    public static (ReleaseInfo Info, IEnumerable<IndexedFile> Entries) Read(ControlFileReader reader, string baseDirectory)
    {
        if (!reader.ReadStanza())
        {
            return (new ReleaseInfo(null, null, null, null, false), []);
        }

        var info = new ReleaseInfo(
            reader.TryGetValue(DateField, out var date) ? Rfc2822Date.Parse(date) : null,
            reader.TryGetValue(ValidUntilField, out var validUntil) ? Rfc2822Date.Parse(validUntil) : null,
            Text(reader, SuiteField),
            Text(reader, CodenameField),
            reader.TryGetValue(AcquireByHashField, out var byHash) && IsYes(byHash));
        var hashes = reader.TryGetValue(Sha256Field, out var list) ? list.ToArray() : [];
        return (info, Entries(hashes, baseDirectory, info.AcquireByHash, reader.Counters));
    }

    /// <summary>
    /// With <c>Acquire-By-Hash: yes</c> apt fetches each index as
    /// <c>&lt;dir of the index&gt;/by-hash/SHA256/&lt;hex&gt;</c>, so that path is listed too.
    /// </summary>
    public static string ByHashPath(IndexedFile entry)
    {
        var slash = entry.Path.LastIndexOf('/');
        return string.Concat(entry.Path.AsSpan(0, slash + 1), "by-hash/SHA256/", entry.Sha256);
    }

    private static IEnumerable<IndexedFile> Entries(byte[] hashes, string baseDirectory, bool byHash, ParseCounters counters)
    {
        var paths = new ArchivePathBuilder(baseDirectory);
        var position = 0;
        while (ChecksumList.TryReadEntry(hashes, ref position, default, paths, counters, out var entry))
        {
            if (entry is null)
            {
                continue;
            }

            yield return entry;
            if (byHash)
            {
                counters.Entries++;
                yield return entry with { Path = ByHashPath(entry) };
            }
        }
    }

    private static string? Text(ControlFileReader reader, int field) =>
        reader.TryGetValue(field, out var value) && !value.IsEmpty ? Encoding.UTF8.GetString(value) : null;

    /// <summary>The words apt's own boolean parsing takes for true.</summary>
    private static bool IsYes(ReadOnlySpan<byte> value) =>
        Ascii.EqualsIgnoreCase(value, "yes"u8) || Ascii.EqualsIgnoreCase(value, "true"u8)
        || Ascii.EqualsIgnoreCase(value, "with"u8) || Ascii.EqualsIgnoreCase(value, "on"u8)
        || Ascii.EqualsIgnoreCase(value, "enable"u8) || value.SequenceEqual("1"u8);
}
