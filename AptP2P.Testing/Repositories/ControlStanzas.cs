namespace AptP2P.Testing.Repositories;

/// <summary>Reads and writes deb822 control data (Packages, Sources, dpkg status): stanzas of "Field: value" lines.</summary>
public static class ControlStanzas
{
    /// <summary>Stanzas in order; field names are case-insensitive, continuation lines are joined with '\n'.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stanzas = new List<IReadOnlyDictionary<string, string>>();
        Dictionary<string, string>? current = null;
        string? lastField = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                current = null;
                lastField = null;
                continue;
            }
            if ((line[0] == ' ' || line[0] == '\t') && current is not null && lastField is not null)
            {
                current[lastField] += "\n" + line;
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            if (current is null)
            {
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                stanzas.Add(current);
            }
            lastField = line[..colon];
            current[lastField] = line[(colon + 1)..].Trim();
        }
        return stanzas;
    }

    /// <summary>Splits text into raw stanza blocks (without the blank separator lines), keeping every byte of each block.</summary>
    public static IEnumerable<string> SplitRaw(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("\n\n")
            .Select(block => block.Trim('\n'))
            .Where(block => block.Length > 0);
    }

    /// <summary>Value of the "Package:" field of a raw stanza block, or null.</summary>
    public static string? PackageNameOf(string rawStanza)
    {
        var stanzas = Parse(rawStanza);
        return stanzas.Count == 0 ? null : stanzas[0].GetValueOrDefault("Package");
    }
}
