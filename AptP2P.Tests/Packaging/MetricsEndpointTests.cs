using System.Globalization;
using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Dht;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Web.Operations;

namespace AptP2P.Tests.Packaging;

/// <summary><c>GET /metrics</c> on a real node: Prometheus text that parses, and counters that move with apt's traffic.</summary>
public sealed class MetricsEndpointTests : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private readonly TestPaths _paths = TestPaths.Create("metrics");

    [Fact]
    public async Task Metrics_parse_and_count_a_download_from_the_mirror()
    {
        var root = _paths.CreateDirectory("mirror");
        Directory.CreateDirectory(Path.Combine(root, "debian/pool/main/p"));
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);
        await File.WriteAllBytesAsync(Path.Combine(root, "debian/pool/main/p/probe_1.0_all.deb"), payload, Token);
        await using var mirror = new NginxMirror(root);
        await mirror.StartAsync(Token);
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient { BaseAddress = node.BaseUri };

        var before = await ScrapeAsync(http);
        var body = await http.GetByteArrayAsync($"{mirror.HostPort}/debian/pool/main/p/probe_1.0_all.deb", Token);
        Assert.Equal(payload, body);
        // The node books a transfer's bytes when the response has ended, a moment after the client has the last byte.
        var after = await ScrapeAsync(http);
        for (var tries = 0; tries < 50 && (Value(after, "aptp2p_transfer_bytes_total", "source", "clients") - Value(before, "aptp2p_transfer_bytes_total", "source", "clients") < payload.Length
            || Sum(after, StoredFromMirror) == Sum(before, StoredFromMirror)); tries++)
        {
            await Task.Delay(100, Token);
            after = await ScrapeAsync(http);
        }

        Assert.True(Value(after, "aptp2p_requests_total") > Value(before, "aptp2p_requests_total"));
        Assert.True(Value(after, "aptp2p_transfer_bytes_total", "source", "mirror") - Value(before, "aptp2p_transfer_bytes_total", "source", "mirror") >= payload.Length);
        Assert.True(Value(after, "aptp2p_transfer_bytes_total", "source", "clients") - Value(before, "aptp2p_transfer_bytes_total", "source", "clients") >= payload.Length);
        Assert.Equal(1, Sum(after, StoredFromMirror) - Sum(before, StoredFromMirror));
        Assert.Equal(1, Sum(after, "aptp2p_transfers_completed_total") - Sum(before, "aptp2p_transfers_completed_total"));
        foreach (var name in new[] { "aptp2p_cache_hits_total", "aptp2p_cache_misses_total", "aptp2p_peers", "aptp2p_cache_size_bytes",
            "aptp2p_dht_nodes", "aptp2p_dht_lookups_started_total", "aptp2p_transfers_active" })
        {
            Assert.True(after.Any(s => s.Name == name), $"{name} is missing from /metrics: {string.Join(", ", after.Select(s => s.Name).Distinct())}");
        }
    }

    [Fact]
    public async Task Dht_lookups_show_in_a_duration_histogram_with_the_lookup_buckets()
    {
        // Two nodes on loopback, the second bootstrapping from the first: its lookups ask a real node over UDP.
        await using var first = await AptP2PNode.StartAsync();
        var firstDht = first.Get<DhtService>().Node!.LocalEndPoint;
        await using var second = await AptP2PNode.StartAsync(settings: $"AptP2P:Dht:BootstrapNodes:0=127.0.0.1:{firstDht.Port}");
        var dht = second.Get<DhtService>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (dht.KnownNodes == 0)
            await Task.Delay(50, deadline.Token);
        using var http = new HttpClient { BaseAddress = second.BaseUri };
        const int Lookups = 3;

        var before = await ScrapeAsync(http);
        for (var i = 0; i < Lookups; i++)
        {
            await foreach (var _ in dht.FindPeersAsync(InfoHash.FromFile(ContentHash.Compute(BitConverter.GetBytes(i))), deadline.Token))
            {
            }
        }
        var after = await ScrapeAsync(http);

        string[] getPeers = ["kind", "get_peers", "outcome", "finished"];
        Assert.Equal(Lookups, Sum(after, "aptp2p_dht_lookup_duration_seconds_count", getPeers) - Sum(before, "aptp2p_dht_lookup_duration_seconds_count", getPeers));
        Assert.True(Sum(after, "aptp2p_dht_lookup_duration_seconds_sum", getPeers) > Sum(before, "aptp2p_dht_lookup_duration_seconds_sum", getPeers));
        var buckets = after.Where(s => s.Name == "aptp2p_dht_lookup_duration_seconds_bucket" && Matches(s, getPeers))
            .Select(s => (Bound: ParseBound(s.Labels["le"]), Count: s.Value)).ToList();
        Assert.Equal([.. NodeMetrics.LookupBuckets, double.PositiveInfinity], buckets.Select(b => b.Bound));
        // Cumulative: each bucket holds the ones below it, and +Inf holds every lookup.
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Count <= p.Second.Count), string.Join(", ", buckets));
        Assert.Equal(Sum(after, "aptp2p_dht_lookup_duration_seconds_count", getPeers), buckets[^1].Count);
        // A loopback lookup answered by one node takes far less than the longest bound.
        Assert.Equal(buckets[^1].Count, buckets[^2].Count);
    }

    [Fact]
    public async Task Metrics_follow_the_api_access_rules()
    {
        await using var node = await AptP2PNode.StartAsync(settings: "AptP2P:AllowedClients:0=192.0.2.0/24");
        using var http = new HttpClient { BaseAddress = node.BaseUri };

        using var response = await http.GetAsync("metrics", Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<IReadOnlyList<Sample>> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("metrics", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync(Token));
    }

    private static double Value(IReadOnlyList<Sample> samples, string name, string? label = null, string? value = null)
    {
        var matching = samples.Where(s => s.Name == name && (label is null || s.Labels.GetValueOrDefault(label) == value)).ToList();
        Assert.True(matching.Count == 1, $"{name}{{{label}={value}}}: {matching.Count} samples");
        return matching[0].Value;
    }

    private static readonly string[] StoredFromMirror = ["aptp2p_transfers_completed_total", "result", "stored", "source", "mirror"];

    private static double Sum(IReadOnlyList<Sample> samples, string[] nameAndLabels) => Sum(samples, nameAndLabels[0], nameAndLabels[1..]);

    /// <summary>The sum of the samples of <paramref name="name"/> with these label pairs; 0 before the first one is recorded.</summary>
    private static double Sum(IReadOnlyList<Sample> samples, string name, params string[] labels) =>
        samples.Where(s => s.Name == name && Matches(s, labels)).Sum(s => s.Value);

    private static bool Matches(Sample sample, string[] labels) =>
        labels.Chunk(2).All(pair => sample.Labels.GetValueOrDefault(pair[0]) == pair[1]);

    private static double ParseBound(string le) =>
        le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);

    public void Dispose() => _paths.Dispose();
}

internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// The Prometheus text exposition format (0.0.4), strictly: <c># HELP</c>/<c># TYPE</c> lines, and samples
/// <c>name{label="value",…} value [timestamp]</c>; anything else fails the test with the line.
/// </summary>
internal static class PrometheusText
{
    public static IReadOnlyList<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                Assert.True(parts.Length >= 3 && parts[1] is "HELP" or "TYPE", $"bad comment line: {line}");
                if (parts[1] == "TYPE")
                {
                    Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    types[parts[2]] = parts[3];
                }
                continue;
            }
            samples.Add(ParseSample(line));
        }
        foreach (var sample in samples.Where(s => s.Name.EndsWith("_total", StringComparison.Ordinal)))
            Assert.Equal("counter", types.GetValueOrDefault(sample.Name[..^"_total".Length]) ?? types.GetValueOrDefault(sample.Name));
        return samples;
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
            i++;
        Assert.True(i > 0 && !char.IsAsciiDigit(line[0]), $"bad metric name: {line}");
        var name = line[..i];
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var label = line[i..eq];
                Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", label);
                Assert.True(line[eq + 1] == '"', $"unquoted label value: {line}");
                var value = new System.Text.StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"bad escape: {line}") });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }
                labels[label] = value.ToString();
                i = j + 1;
                if (line[i] == ',')
                    i++;
            }
            i++;
        }
        var fields = line[i..].Trim().Split(' ');
        Assert.InRange(fields.Length, 1, 2);
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var f => double.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }
}
