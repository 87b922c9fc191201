namespace AptP2P.Testing.Fuzzing;

/// <summary>
/// Hostile apt control files: realistic Packages, Sources and Release/InRelease seeds, and a mutator that damages them
/// the ways a broken mirror, a truncated download or an attacker would, at the line level (deleted, duplicated and
/// continued lines, missing colons, CRLF, armour lines) and the byte level (flips, NULs, invalid UTF-8, huge values).
/// </summary>
public static class ControlFileCorpus
{
    private static readonly byte[][] Armour =
    [
        "-----BEGIN PGP SIGNED MESSAGE-----"u8.ToArray(),
        "-----BEGIN PGP SIGNATURE-----"u8.ToArray(),
        "-----END PGP SIGNATURE-----"u8.ToArray(),
        "Hash: SHA512"u8.ToArray(),
        "- "u8.ToArray(),
    ];

    private static readonly byte[][] HostileValues =
    [
        "99999999999999999999999999"u8.ToArray(),
        "-1"u8.ToArray(),
        "1e9"u8.ToArray(),
        "0x10"u8.ToArray(),
        "../../../etc/passwd"u8.ToArray(),
        "/etc/shadow"u8.ToArray(),
        "pool/a\\b.deb"u8.ToArray(),
        "pool/./x/../y.deb"u8.ToArray(),
        "Sat, 31 Feb 2024 25:61:61 +9999"u8.ToArray(),
        "Mon, 01 Jan 0001 00:00:00 UTC"u8.ToArray(),
        // Dates at the edges of what the date parser accepts: zones a minute past fourteen hours, the last and first years.
        "Sat, 10 Feb 2024 09:44:34 +1459"u8.ToArray(),
        "Fri, 31 Dec 9998 23:59:59 -14:30"u8.ToArray(),
        "Mon, 01 Jan 1900 00:00 +1400"u8.ToArray(),
        "Tue, 29 Feb 2100 12:00:00 GMT"u8.ToArray(),
        [0xC3, 0x28, 0xED, 0xA0, 0x80, 0xFF, 0xFE],
    ];

    /// <summary>The path a file of <paramref name="kind"/> has on a mirror, which decides how it is read.</summary>
    public static string MirrorPath(ControlFileKind kind, bool clearsigned = false) => kind switch
    {
        ControlFileKind.Packages => "debian/dists/bookworm/main/binary-amd64/Packages",
        ControlFileKind.Sources => "debian/dists/bookworm/main/source/Sources",
        _ => clearsigned ? "debian/dists/bookworm/InRelease" : "debian/dists/bookworm/Release",
    };

    /// <summary>Valid files of <paramref name="kind"/>, the seeds of the mutations; for Release both a plain and a clear-signed one.</summary>
    public static IReadOnlyList<byte[]> Seeds(ControlFileKind kind) => ControlFileSeeds.Of(kind);

    /// <summary>One to four mutations of <paramref name="seed"/> (which is not changed), now and then none at all.</summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(random);
        var lines = SplitLines(seed);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
            MutateOnce(lines, random);
        var joined = new List<byte>(seed.Length + 64);
        var crlf = random.Next(12) == 0;
        for (var i = 0; i < lines.Count; i++)
        {
            joined.AddRange(lines[i]);
            if (i < lines.Count - 1)
            {
                if (crlf || random.Next(200) == 0)
                    joined.Add((byte)'\r');
                joined.Add((byte)'\n');
            }
        }
        return random.Next(40) == 0 ? MutateBytes([.. joined], random) : [.. joined];
    }

    private static void MutateOnce(List<List<byte>> lines, Random random)
    {
        var at = random.Next(lines.Count);
        var line = lines[at];
        switch (random.Next(17))
        {
            case 0 when line.Count > 0:
                line[random.Next(line.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                // A download cut short, possibly mid-line.
                lines.RemoveRange(at + 1, lines.Count - at - 1);
                var cut = random.Next(line.Count + 1);
                line.RemoveRange(cut, line.Count - cut);
                break;
            case 2 when lines.Count > 1:
                lines.RemoveAt(at);
                break;
            case 3:
                lines.Insert(at, [.. line]);
                break;
            case 4:
                // A continuation line where none belongs, or an empty one (" " or " .").
                List<byte> continuation = [(byte)(random.Next(2) == 0 ? ' ' : '\t'), .. RandomText(random, random.Next(0, 80))];
                lines.Insert(at, continuation);
                break;
            case 5:
                // A huge value: a field longer than any buffer, or a line of one endless word.
                var huge = new byte[random.Next(1, 5) << random.Next(10, 18)];
                huge.AsSpan().Fill((byte)"a0 :"[random.Next(4)]);
                line.AddRange(huge);
                break;
            case 6 when line.IndexOf((byte)':') is var colon and >= 0:
                line.RemoveAt(colon);
                break;
            case 7:
                line.InsertRange(random.Next(line.Count + 1), HostileValues[^1].Take(1 + random.Next(HostileValues[^1].Length)));
                break;
            case 8:
                line.InsertRange(random.Next(line.Count + 1), Enumerable.Repeat((byte)0, 1 + random.Next(4)));
                break;
            case 9:
                // A hostile value for whatever field this is: Size, Filename, Date, a checksum line's size or name.
                ReplaceValue(line, HostileValues[random.Next(HostileValues.Length)], random);
                break;
            case 10 when IndexOfHex(line) is var hex and >= 0:
                // A hash one digit short, one too long, or with a non-hex digit.
                switch (random.Next(3))
                {
                    case 0: line.RemoveAt(hex); break;
                    case 1: line.Insert(hex, (byte)'f'); break;
                    default: line[hex + random.Next(Math.Min(64, line.Count - hex))] = (byte)"gZ-G"[random.Next(4)]; break;
                }
                break;
            case 11:
                lines.Insert(at, []);
                break;
            case 12:
                lines.Insert(at, [.. Armour[random.Next(Armour.Length)], .. random.Next(2) == 0 ? RandomText(random, 20) : []]);
                break;
            case 13:
                // A field's name with other case or blanks before its colon, or a line starting with blanks or '#'.
                if (line.Count > 0)
                    line[0] = (byte)(random.Next(3) switch { 0 => '#', 1 => ' ', _ => char.IsAsciiLetterLower((char)line[0]) ? char.ToUpperInvariant((char)line[0]) : char.ToLowerInvariant((char)line[0]) });
                break;
            case 14:
                var noise = new byte[random.Next(1, 64)];
                random.NextBytes(noise);
                line.InsertRange(random.Next(line.Count + 1), noise);
                break;
            case 15 when lines.Count > 2:
                // Lines moved elsewhere: a field into another stanza, a checksum line out of its list.
                var from = random.Next(lines.Count);
                var moved = lines[from];
                lines.RemoveAt(from);
                lines.Insert(random.Next(lines.Count + 1), moved);
                break;
            default:
                // Leave it valid now and then: valid stanzas must keep parsing amid the junk.
                break;
        }
    }

    private static byte[] MutateBytes(byte[] data, Random random)
    {
        if (random.Next(3) == 0)
        {
            var noise = new byte[random.Next(1, 8192)];
            random.NextBytes(noise);
            return noise;
        }
        for (var i = 0; i < 1 + random.Next(16) && data.Length > 0; i++)
            data[random.Next(data.Length)] = (byte)random.Next(256);
        return data;
    }

    private static void ReplaceValue(List<byte> line, byte[] value, Random random)
    {
        // The whole value of a field, or one word of a checksum line.
        var colon = line.IndexOf((byte)':');
        if (colon >= 0 && random.Next(2) == 0)
        {
            line.RemoveRange(colon + 1, line.Count - colon - 1);
            line.Add((byte)' ');
            line.AddRange(value);
            return;
        }
        var start = line.LastIndexOf((byte)' ', line.Count - 1, line.Count - (colon + 1)) + 1;
        if (start < 0 || start > line.Count)
            start = line.Count;
        var end = line.IndexOf((byte)' ', Math.Min(start + 1, line.Count));
        if (end < 0)
            end = line.Count;
        line.RemoveRange(start, end - start);
        line.InsertRange(start, value);
    }

    private static int IndexOfHex(List<byte> line)
    {
        var run = 0;
        for (var i = 0; i < line.Count; i++)
        {
            run = char.IsAsciiHexDigit((char)line[i]) ? run + 1 : 0;
            if (run == 64)
                return i - 63;
        }
        return -1;
    }

    private static byte[] RandomText(Random random, int length)
    {
        var text = new byte[length];
        for (var i = 0; i < length; i++)
            text[i] = (byte)random.Next(0x20, 0x7F);
        return text;
    }

    private static List<List<byte>> SplitLines(byte[] data)
    {
        var lines = new List<List<byte>>();
        var start = 0;
        for (var i = 0; i <= data.Length; i++)
        {
            if (i == data.Length || data[i] == '\n')
            {
                lines.Add([.. data.AsSpan(start, i - start)]);
                start = i + 1;
            }
        }
        return lines;
    }
}
