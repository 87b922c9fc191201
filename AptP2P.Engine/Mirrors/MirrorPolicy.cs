using AptP2P.Engine.Configuration;
using AptP2P.Engine.Node;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Mirrors;

/// <summary>Where the proxy may fetch from: the administrator's allow-list of mirrors, and never this node itself.</summary>
public sealed class MirrorPolicy(IOptionsMonitor<AptP2POptions> options, NodeEndpoints node)
{
    public NodeEndpoints Node => node;

    /// <summary>Checks a mirror host and port against <c>AptP2P:AllowedMirrors</c>; every redirect hop is checked the same way.</summary>
    public bool IsAllowed(string host, int port, out string? reason)
    {
        reason = null;
        if (host is "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            if (port == node.HttpPort || port == node.DhtPort)
            {
                reason = "the target is this node's own port";
                return false;
            }
        }
        else if (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var literal) && node.IsThisNode(literal, port))
        {
            reason = "the target is this node's own port";
            return false;
        }

        var patterns = options.CurrentValue.AllowedMirrors;
        if (patterns.Length == 0)
            return true;
        foreach (var pattern in ConfigurationList.Split(patterns))
        {
            if (Matches(pattern, host, port))
                return true;
        }
        reason = $"mirror '{host}:{port}' is not in AptP2P:AllowedMirrors";
        return false;
    }

    /// <summary><c>host</c> matches any port; <c>host:port</c> that port only; <c>*.example.org</c> any subdomain.</summary>
    public static bool Matches(string pattern, string host, int port)
    {
        var (patternHost, patternPort) = Split(pattern.ToLowerInvariant());
        if (patternPort is { } only && only != port)
            return false;
        if (patternHost.StartsWith("*.", StringComparison.Ordinal))
            return host.EndsWith(patternHost[1..], StringComparison.Ordinal) && host.Length > patternHost.Length - 1;
        return patternHost == host;
    }

    /// <summary>True when the pattern is <c>host:port</c>, not a bare host (which matches any port).</summary>
    public static bool NamesPort(string pattern) => Split(pattern).Port is not null;

    private static (string Host, int? Port) Split(string pattern)
    {
        var colon = pattern.LastIndexOf(':');
        return colon > 0 && !pattern.EndsWith(']') && int.TryParse(pattern.AsSpan(colon + 1), out var port)
            ? (pattern[..colon], port)
            : (pattern, null);
    }
}
