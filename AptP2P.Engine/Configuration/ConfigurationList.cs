namespace AptP2P.Engine.Configuration;

/// <summary>
/// A configuration list (<c>AllowedClients</c>, <c>AllowedMirrors</c>, <c>Dht:BootstrapNodes</c>) whose entries may each
/// hold several items, separated by commas, semicolons or white space: one environment variable or command-line value can
/// then carry a whole list, and the settings form can show a list as one text per line.
/// </summary>
public static class ConfigurationList
{
    private static readonly char[] Separators = [',', ';', ' ', '\t', '\r', '\n'];

    /// <summary>The items of every entry, in order, without blanks; null entries and a null list give nothing.</summary>
    public static string[] Split(IEnumerable<string?>? entries) =>
        entries is null ? [] : [.. entries.SelectMany(entry => Split(entry))];

    /// <summary>The items of one entry, without blanks.</summary>
    public static string[] Split(string? entry) =>
        entry is null ? [] : entry.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
