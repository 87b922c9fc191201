namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Reads the multi-line checksum fields of apt metadata (<c>SHA256</c> of Release,
/// <c>Checksums-Sha256</c> of Sources, <c>SHA256-Download</c> of a pdiff Index): one
/// <c>&lt;hex&gt; &lt;size&gt; &lt;name&gt;</c> per line, separated by any run of blanks
/// (apt-ftparchive right-aligns the sizes).
/// </summary>
internal static class ChecksumList
{
    // 18 digits cannot overflow a long; no file is an exabyte.
    private const int MaxSizeDigits = 18;

    /// <summary>Finds the next non-empty line of a captured value, starting at <paramref name="position"/>.</summary>
    public static bool TryReadLine(ReadOnlySpan<byte> value, ref int position, out ReadOnlySpan<byte> line)
    {
        while (position < value.Length)
        {
            var rest = value[position..];
            var lineFeed = rest.IndexOf((byte)'\n');
            line = lineFeed < 0 ? rest : rest[..lineFeed];
            position += lineFeed < 0 ? rest.Length : lineFeed + 1;
            if (!line.IsEmpty)
            {
                return true;
            }
        }

        line = default;
        return false;
    }

    /// <summary>
    /// Reads the next line of a checksum list as an entry named <paramref name="directory"/>/name.
    /// A line that is malformed or names an unsafe path yields a null entry and is counted as skipped.
    /// </summary>
    /// <returns>False when the list is exhausted.</returns>
    public static bool TryReadEntry(
        ReadOnlySpan<byte> list,
        ref int position,
        ReadOnlySpan<byte> directory,
        ArchivePathBuilder paths,
        ParseCounters counters,
        out IndexedFile? entry)
    {
        entry = null;
        if (!TryReadLine(list, ref position, out var line))
        {
            return false;
        }

        if (TryParseLine(line, out var sha256, out var size, out var name)
            && paths.TryBuild(directory, name) is { } path)
        {
            entry = new IndexedFile(path, Sha256Hex.ToCanonical(sha256), size);
            counters.Entries++;
        }
        else
        {
            counters.SkippedEntries++;
        }

        return true;
    }

    /// <summary>Splits one line into its three parts; false if it has another shape or a bad hash or size.</summary>
    public static bool TryParseLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> sha256, out long size, out ReadOnlySpan<byte> name)
    {
        size = 0;
        name = default;
        return TryTakeWord(ref line, out sha256)
            && Sha256Hex.IsValid(sha256)
            && TryTakeWord(ref line, out var sizeText)
            && TryParseSize(sizeText, out size)
            && TryTakeWord(ref line, out name)
            && line.IsEmpty;
    }

    /// <summary>A size as written in apt metadata: decimal digits only.</summary>
    public static bool TryParseSize(ReadOnlySpan<byte> text, out long size)
    {
        size = 0;
        if (text.IsEmpty || text.Length > MaxSizeDigits)
        {
            return false;
        }

        foreach (var b in text)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            size = (size * 10) + digit;
        }

        return true;
    }

    private static bool TryTakeWord(scoped ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> word)
    {
        text = text.TrimStart(" \t"u8);
        var end = text.IndexOfAny(" \t"u8);
        word = end < 0 ? text : text[..end];
        text = end < 0 ? default : text[end..].TrimStart(" \t"u8);
        return !word.IsEmpty;
    }
}
