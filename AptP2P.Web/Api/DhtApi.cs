using System.Diagnostics;
using AptP2P.Engine;
using AptP2P.Engine.Dht;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AptP2P.Web.Api;

/// <summary>Diagnostics of the DHT node under <c>/api/dht</c>: its statistics, and a lookup run on demand.</summary>
public static class DhtApi
{
    private static readonly TimeSpan LookupLimit = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapDhtApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/dht").WithTags("DHT");
        group.MapGet("/", GetStatistics).WithName("GetDhtStatistics");
        group.MapGet("/peers/{key}", FindPeersAsync).WithName("FindDhtPeers");
        return endpoints;
    }

    internal static Results<Ok<DhtStatistics>, ProblemHttpResult> GetStatistics(IDht dht)
    {
        try
        {
            return TypedResults.Ok(dht.GetStatistics());
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "DHT not started", detail: ex.Message);
        }
    }

    /// <summary><c>{key}</c>: a 40-hex-digit info-hash, or a file's 64-hex-digit SHA-256 (its key is the first 20 bytes, PROTOCOL.md §2).</summary>
    internal static async Task<Results<Ok<PeerLookupResponse>, ProblemHttpResult>> FindPeersAsync(
        string key, HttpContext context, IDht dht, TimeProvider time)
    {
        if (!TryParseKey(key, out var infoHash))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed key",
                detail: "The key is a 40-hex-digit info-hash or a 64-hex-digit SHA-256.");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        limit.CancelAfter(LookupLimit);
        var started = time.GetTimestamp();
        double? firstPeerMs = null;
        var peers = new List<string>();
        try
        {
            await foreach (var peer in dht.FindPeersAsync(infoHash, limit.Token))
            {
                firstPeerMs ??= time.GetElapsedTime(started).TotalMilliseconds;
                peers.Add(peer.ToString());
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The time limit ended the lookup: return what it found.
        }
        return TypedResults.Ok(new PeerLookupResponse(infoHash.ToString(), peers, time.GetElapsedTime(started).TotalMilliseconds, firstPeerMs));
    }

    internal static bool TryParseKey(string key, out InfoHash infoHash)
    {
        infoHash = default;
        if (key.Length == 40 && key.All(char.IsAsciiHexDigit))
            return InfoHash.TryParse(key, out infoHash);
        if (key.Length == 64 && ContentHash.TryParse(key, out var file))
        {
            infoHash = InfoHash.FromFile(file);
            return true;
        }
        return false;
    }
}

/// <summary>The answer of <c>GET /api/dht/peers/{key}</c>: peers as <c>ip:port</c>, and how long the lookup took.</summary>
public sealed record PeerLookupResponse(string Key, IReadOnlyList<string> Peers, double ElapsedMs, double? FirstPeerMs);
