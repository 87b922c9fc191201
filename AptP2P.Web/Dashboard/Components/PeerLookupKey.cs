using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Proxy;
using AptP2P.Web.Api;

namespace AptP2P.Web.Dashboard.Components;

/// <summary>A DHT key to look up, and how it was found from what the user typed.</summary>
public sealed record PeerLookupKey(InfoHash Key, string Description);

/// <summary>
/// Turns what a user types into the DHT key of a file: a SHA-256 or info-hash in hex, a mirror path known to the archive
/// indexes (<c>deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb</c>), or part of the name of a cached file.
/// </summary>
public sealed class PeerLookupKeyResolver(HashIndex index, ICacheCatalog cache)
{
    public PeerLookupKey? Resolve(string? text, out string? problem)
    {
        problem = null;
        var input = text?.Trim() ?? "";
        if (input.Length == 0)
        {
            problem = "Type a package file, a mirror path or a SHA-256.";
            return null;
        }
        if (DhtApi.TryParseKey(input, out var key))
            return new PeerLookupKey(key, input.Length == 64 ? $"file {input}" : $"info-hash {input}");

        if (input.Contains('/', StringComparison.Ordinal))
        {
            var target = input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? input : "/" + input.TrimStart('/');
            if (ProxyTargetParser.Parse(target).Url is { } url && index.Find(url) is { } indexed)
                return ForFile(indexed.Hash, url.Key);
        }

        if (cache.Search(input, CacheOrder.Recent, 0, 1).Files is [var cached, ..] && ContentHash.TryParse(cached.Sha256, out var hash))
            return ForFile(hash, (cached.Paths.Count > 0 ? cached.Paths[0] : cached.Name));

        problem = $"No file known by \"{input}\": give a path listed in an index apt fetched through this node, a cached file's name, or a SHA-256.";
        return null;
    }

    private static PeerLookupKey ForFile(ContentHash hash, string name) => new(InfoHash.FromFile(hash), $"{name} (SHA-256 {hash})");
}
