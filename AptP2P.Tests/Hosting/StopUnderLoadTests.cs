using System.Text.RegularExpressions;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Hosting;

/// <summary>
/// SIGTERM (what systemd sends) to a real node process while 20 slow clients read a large file from its cache, downloads
/// stream through it from a slow nginx mirror and its DHT knows another node (a drain that waited for the slow readers took
/// the host's whole 30 s and then cancelled the DHT's final save): the stop ends within 5 s, exits 0, logs its final DHT and database saves and no error, and
/// the node restarts on the same data with its routing table and a clean cache.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed partial class StopUnderLoadTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_stop_under_load_ends_within_5_s_with_its_final_saves_and_no_error_and_the_node_restarts_clean()
    {
        await using var mirror = new NginxMirror(fixture.Repository.Root, ["location /pool/ { limit_rate 1m; }"]);
        await mirror.StartAsync(Ct);
        var bootstrapPort = FreePort.Pick();
        await using var other = await NodeProcess.StartAsync(new NodeProcessOptions { Port = bootstrapPort }, Ct);
        var data = Directory.CreateTempSubdirectory("aptp2p-stop-").FullName;
        try
        {
            var port = FreePort.Pick();
            var options = new NodeProcessOptions { Port = port, DataDirectory = data, Settings = [$"AptP2P:Dht:BootstrapNodes:0=127.0.0.1:{bootstrapPort}"] };
            await using (var node = await NodeProcess.StartAsync(options, Ct))
            {
                await node.WaitForOutputAsync("DHT bootstrapped", TimeSpan.FromSeconds(20), Ct);
                foreach (var m in new[] { mirror.HostPort, fixture.Mirror.HostPort })
                {
                    using var apt = fixture.CreateClient(new Uri($"{node.BaseUri}{m}/"));
                    Assert.True((await apt.UpdateAsync(Ct)).Succeeded);
                }
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
                using var readers = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                var big = new Uri($"{node.BaseUri}{fixture.Mirror.HostPort}/{fixture.Repository.BigPackage.PoolPath}");
                await DownloadAsync(http, big, slowly: false, Ct);
                var packages = fixture.Repository.Packages.Where(p => p.Name != fixture.Repository.BigPackage.Name).ToList();
                var downloads = Enumerable.Range(0, 20).Select(_ => DownloadAsync(http, big, slowly: true, readers.Token))
                    .Concat(packages.Select(p => DownloadAsync(http, new Uri($"{node.BaseUri}{mirror.HostPort}/{p.PoolPath}"), slowly: false, Ct)))
                    .ToList();
                await mirror.WaitForRequestsAsync(e => e.Path.Contains("/pool/", StringComparison.Ordinal), 3, TimeSpan.FromSeconds(20), Ct);
                await Task.Delay(500, Ct);

                var stopped = await node.TerminateAsync(TimeSpan.FromSeconds(30));

                TestContext.Current.TestOutputHelper?.WriteLine($"stop under load: {stopped?.TotalSeconds:0.00} s");
                Assert.True(stopped is { } took && took < StopLimit, $"the stop took {stopped?.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) ?? "more than 30"} s:\n{node}");
                Assert.Equal(0, node.ExitCode);
                Assert.Single(node.Matching("DHT stopped: routing table saved (1 nodes)"));
                Assert.Single(node.Matching("Database writer stopped: every queued write is committed"));
                var errors = node.Output.Where(l => ErrorLine().IsMatch(l)).ToList();
                Assert.True(errors.Count == 0, "errors during the stop:\n" + string.Join('\n', errors) + "\n" + node);
                // The slow readers still have what the kernel buffered for them before the cut: no need to read it all.
                await readers.CancelAsync();
                await Task.WhenAll(downloads);
            }

            await using var restarted = await NodeProcess.StartAsync(new NodeProcessOptions { Port = port, DataDirectory = data }, Ct);
            Assert.Single(restarted.Matching("1 saved nodes restored"));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "partial")));
            var reconciled = Assert.Single(restarted.Matching("reconciled:"));
            Assert.Contains(" 0 discarded", reconciled, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A download that may be cut by the stop: how it ends does not matter here, only that it ends.</summary>
    /// <param name="slowly">Read 16 KiB every 100 ms, as a client on a slow link does (a 24 MiB file would take minutes).</param>
    private static async Task DownloadAsync(HttpClient http, Uri uri, bool slowly, CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(Ct, cancellationToken);
        var token = both.Token;
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            if (!slowly)
            {
                await body.CopyToAsync(Stream.Null, token);
                return;
            }
            var buffer = new byte[16 * 1024];
            while (await body.ReadAsync(buffer, token) > 0)
                await Task.Delay(100, token);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
        }
    }

    [GeneratedRegex(@" (fail|crit): |Unhandled exception")]
    private static partial Regex ErrorLine();
}
