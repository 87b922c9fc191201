namespace AptP2P.Web.Proxy;

/// <summary>
/// On the one HTTP port the first path segment decides who answers (DESIGN.md, "Routing"): reserved segments belong to the
/// peer protocol, the API, SignalR, Blazor and the dashboard; everything else is a mirror host for the apt proxy, and
/// absolute-form targets (HTTP-proxy mode) always are. A mirror named like a reserved segment is reachable as <c>name:80</c>.
/// </summary>
internal static class ProxyRouting
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "~", "api", "hubs", "openapi", "_framework", "_blazor", "_content", "css", "js", "lib", "img",
        "favicon.ico", "favicon.png", "robots.txt", "health", "healthz", "metrics",
        "transfers", "peers", "dht", "cache", "settings", "not-found", "error",
    };

    public static bool IsProxyTarget(string rawTarget)
    {
        if (rawTarget.Length == 0)
            return false;
        if (rawTarget[0] != '/')
            return rawTarget.Contains("://", StringComparison.Ordinal);
        var end = rawTarget.IndexOfAny(['/', '?'], 1);
        var first = end < 0 ? rawTarget[1..] : rawTarget[1..end];
        return first.Length > 0 && !Reserved.Contains(first);
    }
}
