using System.Security.Cryptography;
using System.Text;

namespace AptP2P.Testing.Fuzzing;

/// <summary>The apt control files the fuzzer feeds to the metadata readers.</summary>
public enum ControlFileKind
{
    Packages,
    Sources,
    Release,
}

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
    public static IReadOnlyList<byte[]> Seeds(ControlFileKind kind) => kind switch
    {
        ControlFileKind.Packages => [Utf8(string.Concat(Enumerable.Range(0, 4).Select(PackagesStanza))), Utf8(PackagesStanza(7))],
        ControlFileKind.Sources => [Utf8(string.Concat(Enumerable.Range(0, 3).Select(SourcesStanza))), Utf8(SourcesStanza(5))],
        _ => [Utf8(Release()), Utf8(InRelease())],
    };

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

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));

    private static string Hash(string label) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(label)));

    private static string PackagesStanza(int i) => $"""
        Package: pkg{i}
        Version: 1.{i}-2
        Installed-Size: 280
        Maintainer: Santiago Vila <sanvila@debian.org>
        Architecture: amd64
        Depends: libc6 (>= 2.34), libfoo{i} (>= 1.0) | libbar
        Description: example package {i}
         A longer description that continues
         .
         over several lines.
        Description-md5: 6b4ec5a48c3dd2e7e8e8d8d3a3d4a1d4
        Section: devel
        Priority: optional
        Filename: pool/main/p/pkg{i}/pkg{i}_1.{i}-2_amd64.deb
        Size: {1000 + (i * 7919)}
        MD5sum: 4ef2a1b0a3c1ef5ac3a8bfa5e6e8c2b1
        SHA256: {Hash($"pkg{i}")}


        """;

    private static string SourcesStanza(int i) => $"""
        Package: src{i}
        Binary: src{i}, src{i}-doc
        Version: 2.{i}-3
        Maintainer: Santiago Vila <sanvila@debian.org>
        Build-Depends: debhelper-compat (= 13)
        Architecture: any
        Format: 3.0 (quilt)
        Files:
         5b5b1f8d0b1fd3d0e5f3e0b7e0e6ad2e 1847 src{i}_2.{i}-3.dsc
         6cd0ffea3884a4e79330338dcc2987d6 725946 src{i}_2.{i}.orig.tar.gz
         8a1f1f3e9b0b2ae4f6c2d1c7f1a2b3c4 12288 src{i}_2.{i}-3.debian.tar.xz
        Checksums-Sha256:
         {Hash($"dsc{i}")} 1847 src{i}_2.{i}-3.dsc
         {Hash($"orig{i}")}   725946 src{i}_2.{i}.orig.tar.gz
         {Hash($"debian{i}")} 12288 src{i}_2.{i}-3.debian.tar.xz
        Directory: pool/main/s/src{i}
        Priority: source
        Section: devel


        """;

    private static string Release() => $"""
        Origin: Debian
        Label: Debian
        Suite: stable
        Version: 12.5
        Codename: bookworm
        Date: Sat, 10 Feb 2024 09:44:34 UTC
        Valid-Until: Sat, 17 Feb 2024 09:44:34 +0000
        Acquire-By-Hash: yes
        No-Support-for-Architecture-all: Packages
        Architectures: all amd64 arm64
        Components: main contrib
        Description: Debian 12.5 Released 10 February 2024
        MD5Sum:
         0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
         d0a0325a97c42fd5f66a8c3e29bcea64    98581 contrib/Contents-all.gz
        SHA256:
         {Hash("contents")}  1484322 contrib/Contents-all
         {Hash("contents.gz")}    98581 contrib/Contents-all.gz
         {Hash("packages")} 45632123 main/binary-amd64/Packages
         {Hash("packages.xz")}  8794432 main/binary-amd64/Packages.xz
         {Hash("sources.xz")}  9612345 main/source/Sources.xz
         {Hash("release")}      113 main/binary-amd64/Release
         {Hash("index")}    21430 main/binary-amd64/Packages.diff/Index

        """;

    private static string InRelease() => $"""
        -----BEGIN PGP SIGNED MESSAGE-----
        Hash: SHA512

        {Release().TrimEnd()}
        - -dash-escaped: line
        -----BEGIN PGP SIGNATURE-----

        iQIzBAEBCgAdFiEEpyNohvPMyq0Uiif4DphATThvodkFAmXHQ0EACgkQDphATThv
        odnTrw/+IGmdUh7p0SXl3ZbCRAW8EdVSHWwWRWhCnEwyPiwzeP6aYPiKoiYwLlR0
        =Xqzj
        -----END PGP SIGNATURE-----

        """;
}
