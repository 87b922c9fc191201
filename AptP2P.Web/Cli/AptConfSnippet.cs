namespace AptP2P.Web.Cli;

/// <summary>
/// <c>/etc/apt/apt.conf.d/30aptp2p</c>: apt asks our helper, per host, which proxy to use. The helper answers the node's
/// address while the node answers and <c>DIRECT</c> otherwise, so a stopped or removed node never stops apt.
/// </summary>
public static class AptConfSnippet
{
    public const string FileName = "30aptp2p";
    public const string DefaultDirectory = "/etc/apt/apt.conf.d";
    public const string HelperName = "aptp2p-proxy-detect";

    /// <summary>The helper shipped beside the node's own binaries (<c>/usr/lib/aptp2p</c> in the package).</summary>
    public static string HelperPath => Path.Combine(AppContext.BaseDirectory, HelperName);

    public static string Content(string helperPath) =>
        $"""
        // Written by "aptp2p enable", removed by "aptp2p disable" (and when the aptp2p package is removed).
        // apt runs the helper for each host: it prints the local AptP2P node's proxy address while the node answers,
        // and DIRECT otherwise, so apt keeps working when the node is stopped.
        Acquire::http::Proxy-Auto-Detect "{helperPath}";

        """;
}
