using System.Globalization;
using System.Text;

namespace AptP2P.Testing.Apt;

/// <summary>
/// Writes a Packages file shaped like Debian main/amd64's (same fields, similar lengths, long
/// descriptions included), for measuring the parser. Deterministic for a given seed.
/// </summary>
public static class SyntheticPackages
{
    private static readonly string[] Words =
    [
        "library", "runtime", "support", "files", "tool", "utility", "development", "headers", "plugin",
        "documentation", "server", "client", "module", "bindings", "python", "perl", "shared", "data",
        "graphical", "interface", "command", "line", "network", "protocol", "parser", "kernel", "font",
        "the", "for", "and", "with", "of", "a", "to", "is", "this", "package", "contains", "provides",
    ];

    private static readonly string[] Sections = ["libs", "utils", "devel", "python", "perl", "net", "doc", "admin", "x11", "games"];

    private static readonly string[] Tags = ["role::program", "implemented-in::c", "interface::commandline", "devel::library", "role::devel-lib", "use::configuring"];

    public static void Write(Stream output, int stanzas, int seed = 42)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        var line = new StringBuilder(256);
        for (var i = 0; i < stanzas; i++)
        {
            var source = $"{Word(random)}-{Word(random)}{i}";
            var package = random.Next(3) == 0 ? $"lib{source}{random.Next(10)}" : source;
            var version = $"{random.Next(1, 30)}.{random.Next(20)}.{random.Next(10)}-{random.Next(1, 5)}";
            var prefix = package.StartsWith("lib", StringComparison.Ordinal) ? package[..4] : package[..1];

            writer.WriteLine($"Package: {package}");
            if (package != source)
            {
                writer.WriteLine($"Source: {source}");
            }

            writer.WriteLine($"Version: {version}");
            writer.WriteLine($"Installed-Size: {random.Next(10, 200_000)}");
            writer.WriteLine($"Maintainer: Debian {Word(random)} Team <{Word(random)}-maintainers@lists.debian.org>");
            writer.WriteLine("Architecture: amd64");
            writer.WriteLine($"Depends: {string.Join(", ", Enumerable.Range(0, random.Next(1, 6)).Select(_ => $"lib{Word(random)}{random.Next(9)} (>= {random.Next(1, 9)}.{random.Next(20)})"))}");
            writer.WriteLine($"Description: {Sentence(random, line, 4, 9)}");
            for (var paragraph = random.Next(0, 3); paragraph > 0; paragraph--)
            {
                for (var l = random.Next(1, 3); l > 0; l--)
                {
                    writer.WriteLine($" {Sentence(random, line, 7, 12)}");
                }

                if (paragraph > 1)
                {
                    writer.WriteLine(" .");
                }
            }

            writer.WriteLine($"Multi-Arch: {(random.Next(2) == 0 ? "same" : "foreign")}");
            writer.WriteLine($"Homepage: https://{source}.example.org/");
            writer.WriteLine($"Description-md5: {Hex(random, 16)}");
            writer.WriteLine($"Tag: {string.Join(", ", Tags.Where(_ => random.Next(2) == 0))}");
            writer.WriteLine($"Section: {Sections[random.Next(Sections.Length)]}");
            writer.WriteLine("Priority: optional");
            writer.WriteLine($"Filename: pool/main/{prefix}/{source}/{package}_{version}_amd64.deb");
            writer.WriteLine($"Size: {random.Next(1_000, 50_000_000)}");
            writer.WriteLine($"MD5sum: {Hex(random, 16)}");
            writer.WriteLine($"SHA256: {Hex(random, 32)}");
            writer.WriteLine();
        }
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Sentence(Random random, StringBuilder line, int minWords, int maxWords)
    {
        line.Clear();
        for (var w = random.Next(minWords, maxWords); w > 0; w--)
        {
            line.Append(Word(random)).Append(w > 1 ? " " : "");
        }

        return line.ToString();
    }

    private static string Hex(Random random, int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToHexStringLower(buffer);
    }
}
