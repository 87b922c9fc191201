using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;

namespace AptP2P.Tests.Cache;

/// <summary>
/// A real node process killed with <c>kill -9</c> at chosen moments, a real apt-get and nginx: after a restart on the same data
/// directory, and before apt does anything, the node knows every file of the index, shares every cached file the index lists
/// and nothing else.
/// </summary>
public sealed partial class CrashRecoveryTests(LargeIndexMirrorFixture fixture) : IClassFixture<LargeIndexMirrorFixture>
{
    private const string PackagesIndex = "dists/stable/main/binary-amd64/Packages";
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_kill_while_a_large_Packages_file_is_indexed_loses_none_of_its_entries()
    {
        using var directory = new TemporaryDirectory();
        await using (var node = await StartAsync(directory.Path))
        {
            using var apt = fixture.CreateClient(PrefixOf(node, fixture.Mirror));
            var update = apt.UpdateAsync(Ct);
            await node.WaitForOutputAsync($"Indexing {fixture.Mirror.HostPort}/{PackagesIndex}", LogWait, Ct);
            await node.KillAsync();
            await update;
        }

        await using var restarted = await StartAsync(directory.Path);
        using var http = NewClient();
        // A fresh process's first proxied request pays for JIT compilation (most of a second on a loaded machine): a request
        // no indexing covers (a suite the mirror has not) warms that path, so that what is measured next is the waiting alone.
        using (await http.GetAsync(new Uri(PrefixOf(restarted, fixture.Mirror), "dists/warm-up/Release"), Ct))
        {
        }
        // apt's first request after the restart is answered while the index is read again, not after (it teaches the node
        // nothing: the Release is the one already indexed).
        var recoveredBeforeAsking = restarted.Matching("Crash recovery:").Any();
        var asked = Stopwatch.StartNew();
        using (var inRelease = await http.GetAsync(new Uri(PrefixOf(restarted, fixture.Mirror), $"dists/{fixture.Repository.Suite}/InRelease"), Ct))
            Assert.Equal(HttpStatusCode.OK, inRelease.StatusCode);
        var firstAnswer = asked.Elapsed;
        var recoveredBefore = restarted.Matching("Crash recovery:").Any();
        var recovery = await RecoveryOfAsync(restarted);
        TestContext.Current.TestOutputHelper?.WriteLine($"InRelease answered in {firstAnswer.TotalMilliseconds:0} ms, {(recoveredBefore ? "after" : "during")} the recovery");

        // Relative, not a bound in ms: on a loaded machine the first answer of a fresh process takes its time, and before the
        // fix it came only once the whole index was read again.
        // Only an answer that waited for the re-indexing is a failure: one that came after a recovery that had ended before
        // it was asked, or quickly, did not wait.
        Assert.True(recoveredBeforeAsking || !recoveredBefore || firstAnswer < TimeSpan.FromMilliseconds(300),
            $"InRelease was answered after the recovery ended, in {firstAnswer.TotalMilliseconds:0} ms\n{restarted}");
        await AssertIndexedAtLeastAsync(http, restarted, fixture.ReleaseEntries + fixture.Repository.Packages.Count);
        await AssertSharesExactlyTheListedFilesAsync(http, restarted, directory.Path);
        Assert.True(recovery.Reindexed >= 1, $"nothing was indexed again: the kill came after the index was committed\n{restarted}");
    }

    [Fact]
    public async Task A_kill_right_after_a_download_keeps_the_files_verified_and_shared()
    {
        using var directory = new TemporaryDirectory();
        string[] names = ["hello", "figlet", "tree", DebianRepository.BigPackageName];
        TimeSpan afterApt;
        await using (var node = await StartAsync(directory.Path))
        {
            using var apt = fixture.CreateClient(PrefixOf(node, fixture.Mirror));
            AssertSucceeded(await apt.UpdateAsync(Ct), node);
            var install = await apt.InstallDownloadOnlyAsync(names, Ct);
            var finished = Stopwatch.StartNew();
            // The signal goes out before KillAsync first waits: the time until then is the time the node had.
            var killing = node.KillAsync();
            afterApt = finished.Elapsed;
            await killing;
            AssertSucceeded(install, node);
        }
        // A cached file written to after it was stored: its content must be checked, and here it no longer matches.
        var tree = fixture.Repository.Package("tree");
        var changed = CachePathOf(directory.Path, tree.Sha256);
        await File.WriteAllBytesAsync(changed, RandomNumberGenerator.GetBytes((int)tree.Size), Ct);

        await using var restarted = await StartAsync(directory.Path);
        var recovery = await RecoveryOfAsync(restarted);

        Assert.True(afterApt < TimeSpan.FromMilliseconds(100), $"the kill came {afterApt.TotalMilliseconds:0} ms after apt finished");
        using var http = NewClient();
        foreach (var package in names.Where(n => n != "tree").Select(fixture.Repository.Package))
        {
            await AssertServedToPeersAsync(http, restarted, package.Sha256);
            Assert.Contains($"{fixture.Mirror.HostPort}/{package.PoolPath}", await CachePathsAsync(http, restarted, package.Sha256));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(PeerUri(restarted, tree.Sha256), Ct)).StatusCode);
        Assert.False(File.Exists(changed));
        await AssertIndexedAtLeastAsync(http, restarted, fixture.ReleaseEntries + fixture.Repository.Packages.Count);
        await AssertSharesExactlyTheListedFilesAsync(http, restarted, directory.Path);
        Assert.True(recovery.Verified >= 1, $"no file needed verifying again: the kill came after every record was written\n{restarted}");
    }

    [Fact]
    public async Task A_kill_during_20_concurrent_transfers_shares_the_finished_files_and_nothing_partial()
    {
        // 1 MB/s per connection: the 64 KiB … 1.25 MiB packages finish one after the other over about 1.3 s.
        await using var mirror = new NginxMirror(fixture.Repository.Root, ["location /pool/ { limit_rate 1m; }"]);
        await mirror.StartAsync(Ct);
        using var directory = new TemporaryDirectory();
        var extras = fixture.Extras.ToList();
        var finished = new List<RepoPackage>();
        await using (var node = await StartAsync(directory.Path))
        {
            using var apt = fixture.CreateClient(PrefixOf(node, mirror));
            AssertSucceeded(await apt.UpdateAsync(Ct), node);
            using var http = NewClient();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var downloads = extras.Select(async p =>
            {
                var body = await http.GetByteArrayAsync(new Uri(PrefixOf(node, mirror), p.PoolPath), stop.Token);
                Assert.Equal(p.Sha256, Convert.ToHexStringLower(SHA256.HashData(body)));
                lock (finished)
                    finished.Add(p);
            }).ToList();
            await WaitUntilAsync(() => { lock (finished) return finished.Count >= 5; }, node);
            await node.KillAsync();
            await Task.WhenAll(downloads.Select(d => d.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        Assert.InRange(finished.Count, 5, extras.Count - 5);

        await using var restarted = await StartAsync(directory.Path);
        await RecoveryOfAsync(restarted);

        using var client = NewClient();
        foreach (var package in finished)
            await AssertServedToPeersAsync(client, restarted, package.Sha256);
        foreach (var package in extras.Except(finished))
        {
            // Cut before its end: never served, whole or in part.
            if (File.Exists(CachePathOf(directory.Path, package.Sha256)))
                await AssertServedToPeersAsync(client, restarted, package.Sha256);
            else
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(PeerUri(restarted, package.Sha256), Ct)).StatusCode);
        }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory.Path, "partial")));
        await AssertSharesExactlyTheListedFilesAsync(client, restarted, directory.Path);
    }

    /// <summary>Every file in the cache directory: served to peers with its exact bytes, verified and with its paths, when the index lists it; otherwise 404.</summary>
    private async Task AssertSharesExactlyTheListedFilesAsync(HttpClient http, NodeProcess node, string dataDirectory)
    {
        var files = Directory.EnumerateFiles(Path.Combine(dataDirectory, "cache"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(files);
        foreach (var sha in files)
        {
            if (fixture.ListedFiles.ContainsKey(sha!))
            {
                await AssertServedToPeersAsync(http, node, sha!);
                Assert.NotEmpty(await CachePathsAsync(http, node, sha!));
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(PeerUri(node, sha!), Ct)).StatusCode);
            }
        }
    }

    private static async Task AssertServedToPeersAsync(HttpClient http, NodeProcess node, string sha256)
    {
        using var response = await http.GetAsync(PeerUri(node, sha256), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/~/{sha256} answered {(int)response.StatusCode}\n{node}");
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync(Ct))));
    }

    /// <summary>The mirror paths the cache API lists for a file, which it must call verified.</summary>
    private static async Task<IReadOnlyList<string>> CachePathsAsync(HttpClient http, NodeProcess node, string sha256)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseUri, $"api/cache/{sha256}"), Ct));
        Assert.True(document.RootElement.GetProperty("verified").GetBoolean(), $"{sha256} is not verified");
        return [.. document.RootElement.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!)];
    }

    /// <summary>
    /// The count /api/stats gives reaches <paramref name="expected"/>: the statistics are a sample taken every 250 ms, so the
    /// count may lag the recovery's log line by a sample (longer on a loaded machine), never by seconds.
    /// </summary>
    private static async Task AssertIndexedAtLeastAsync(HttpClient http, NodeProcess node, int expected)
    {
        var waited = Stopwatch.StartNew();
        int indexed;
        while ((indexed = await IndexedHashesAsync(http, node)) < expected && waited.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(100, Ct);
        Assert.True(indexed >= expected, $"{indexed} hashes indexed, {expected} expected\n{node}");
    }

    private static async Task<int> IndexedHashesAsync(HttpClient http, NodeProcess node)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseUri, "api/stats"), Ct));
        return document.RootElement.GetProperty("cache").GetProperty("indexedHashes").GetInt32();
    }

    private sealed record Recovery(int Reindexed, int Verified);

    private static async Task<Recovery> RecoveryOfAsync(NodeProcess node)
    {
        var line = await node.WaitForOutputAsync("Crash recovery:", LogWait, Ct);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        var match = RecoveryLine().Match(line);
        Assert.True(match.Success, line);
        return new Recovery(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"Crash recovery: (\d+) index files indexed again \(\d+ entries\), (\d+) cached files verified again")]
    private static partial Regex RecoveryLine();

    /// <summary>On a port of its own each time: the one a killed node held may not be free again at once.</summary>
    private static Task<NodeProcess> StartAsync(string dataDirectory) => NodeProcess.StartAsync(new NodeProcessOptions
    {
        DataDirectory = dataDirectory,
        Port = FreePort.Pick(),
        Settings = ["Logging:LogLevel:AptP2P.Engine.Apt.Index.IndexIngestor=Debug"],
    }, Ct);

    private static Uri PrefixOf(NodeProcess node, NginxMirror mirror) => new(node.BaseUri, mirror.HostPort + "/");

    private static Uri PeerUri(NodeProcess node, string sha256) => new(node.BaseUri, "~/" + sha256);

    private static string CachePathOf(string dataDirectory, string sha256) =>
        new AptP2P.Engine.Configuration.DataDirectory(dataDirectory).PathOf(AptP2P.Engine.ContentHash.Parse(sha256));

    private static HttpClient NewClient() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private static void AssertSucceeded(Testing.Apt.AptResult result, NodeProcess node) =>
        Assert.True(result.Succeeded, $"{result}\n{node}");

    private static async Task WaitUntilAsync(Func<bool> condition, NodeProcess node)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < LogWait, $"timed out\n{node}");
            await Task.Delay(5, Ct);
        }
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("aptp2p-crash-").FullName;

        public void Dispose()
        {
            if (Environment.GetEnvironmentVariable("APTP2P_KEEP_TEST_FILES") != "1")
                Directory.Delete(Path, recursive: true);
        }
    }
}
