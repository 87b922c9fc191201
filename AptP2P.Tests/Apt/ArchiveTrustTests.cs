using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AptP2P.Engine;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Mirrors;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Apt;

/// <summary>
/// Archive signatures checked by the node before it learns or vouches for anything, against the shared repository (signed by
/// a key the test nodes trust, <see cref="TestKeyrings"/>) and variants of it: a node without the key, a Release modified
/// after signing, an expired one, an older one, a Release with only a detached signature, and a verifier that is missing
/// or hangs. Real gpgv, real nginx, real apt-get.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class ArchiveTrustTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] NoKeys = ["AptP2P:Trust:Keyrings:0=/nonexistent/aptp2p-no-keys"];

    private DebianRepository Repository => fixture.Repository;

    [Fact]
    public async Task An_archive_signed_by_a_trusted_key_is_verified_and_its_files_are_shared()
    {
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);

        var archive = await ArchiveAsync(node);
        Assert.Equal("verified", archive.GetProperty("signature").GetString());
        Assert.Matches("^[0-9A-F]{40}$", archive.GetProperty("signingKey").GetString());
        Assert.True(archive.GetProperty("files").GetInt32() >= Repository.Packages.Count, archive.GetRawText());
        Assert.Equal(HttpStatusCode.OK, await PeerStatusAsync(node, Repository.Package("hello").Sha256));
    }

    [Fact]
    public async Task An_armored_key_file_in_the_keyrings_verifies_as_apt_would_read_it()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-keys-").FullName;
        try
        {
            var base64 = Convert.ToBase64String(await File.ReadAllBytesAsync(Repository.KeyringPath, Ct), Base64FormattingOptions.InsertLineBreaks);
            await File.WriteAllTextAsync(Path.Combine(directory, "test.asc"), $"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{base64}\n-----END PGP PUBLIC KEY BLOCK-----\n", Ct);
            await using var node = await AptP2PNode.StartAsync(settings: [$"AptP2P:Trust:Keyrings:0={directory}"]);

            await GetAsync(node, $"{Repository.SuiteDirectory}/InRelease");

            await node.Logs.WaitForAsync("signature verified", TimeSpan.FromSeconds(10));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_archive_signed_by_an_unknown_key_is_cached_for_apt_but_never_served_to_peers_or_announced_unless_shared_on_purpose()
    {
        await using var node = await AptP2PNode.StartAsync(settings: NoKeys);
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        AptThroughProxyTests.AssertSucceeded(await apt.InstallDownloadOnlyAsync("hello"), node);

        var archive = await ArchiveAsync(node);
        Assert.Equal("unknown-key", archive.GetProperty("signature").GetString());
        Assert.Contains("AptP2P:Trust:Keyrings", archive.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var hello = ContentHash.Parse(Repository.Package("hello").Sha256);
        Assert.True(node.Get<HashIndex>().IsWithheld(hello));
        Assert.Equal(HttpStatusCode.NotFound, await PeerStatusAsync(node, hello.ToString()));
        Assert.DoesNotContain(node.Logs.Lines, l => l.Message.Contains($"Announced {hello}", StringComparison.Ordinal));
        AptThroughProxyTests.AssertSameFile(Repository.PathOf(Repository.Package("hello").PoolPath), apt.ArchivePathOf(Repository.Package("hello")));

        await using var sharing = await AptP2PNode.StartAsync(settings: [.. NoKeys, "AptP2P:Trust:ShareUnverified=true"]);
        using var sharingApt = fixture.CreateClient(new Uri(sharing.PrefixFor(fixture.Mirror.HostPort)));
        AptThroughProxyTests.AssertSucceeded(await sharingApt.UpdateAsync(Ct), sharing);
        AptThroughProxyTests.AssertSucceeded(await sharingApt.InstallDownloadOnlyAsync("hello"), sharing);
        Assert.False(sharing.Get<HashIndex>().IsWithheld(hello));
        Assert.Equal(HttpStatusCode.OK, await PeerStatusAsync(sharing, hello.ToString()));
    }

    [Fact]
    public async Task A_release_modified_after_signing_is_bad_and_nothing_of_it_or_its_indexes_is_learned()
    {
        await using var node = await AptP2PNode.StartAsync();
        var inRelease = $"{Repository.SuiteDirectory}/InRelease";
        var packages = $"{Repository.SuiteDirectory}/main/binary-amd64/Packages.xz";
        using (Repository.CorruptFile(inRelease))
        {
            await GetAsync(node, inRelease);
            await node.Logs.WaitForAsync("signature bad", TimeSpan.FromSeconds(10));
            var fetched = await GetAsync(node, packages);
            Assert.Equal(HttpStatusCode.OK, fetched);
        }
        await node.Logs.WaitForAsync("Not indexed", TimeSpan.FromSeconds(10));

        var archive = await ArchiveAsync(node);
        Assert.Equal("bad", archive.GetProperty("signature").GetString());
        Assert.Equal(0, archive.GetProperty("files").GetInt32());
        var index = node.Get<HashIndex>();
        Assert.Null(index.Find(Url(packages)));
        Assert.Null(index.Find(Url(Repository.Package("hello").PoolPath)));
    }

    [Fact]
    public async Task An_expired_release_is_refused_and_an_older_one_never_replaces_a_newer_one()
    {
        await using var node = await AptP2PNode.StartAsync();
        var inRelease = $"{Repository.SuiteDirectory}/InRelease";
        try
        {
            await GetAsync(node, inRelease);
            var first = await ArchiveAsync(node);
            Assert.Equal("verified", first.GetProperty("signature").GetString());

            // An older Release, properly signed (a replay): ignored, the newer one's date and files stay.
            await Repository.RewriteReleaseAsync(text => ReplaceDate(text, DateTimeOffset.UtcNow.AddDays(-30)), Ct);
            await GetAsync(node, inRelease);
            await node.Logs.WaitForAsync("is older than the indexed Release", TimeSpan.FromSeconds(10));
            var afterReplay = await ArchiveAsync(node);
            Assert.Equal(first.GetProperty("date").GetString(), afterReplay.GetProperty("date").GetString());
            Assert.Equal(first.GetProperty("files").GetInt32(), afterReplay.GetProperty("files").GetInt32());

            // A newer one whose Valid-Until has passed: refused as apt refuses it.
            await Repository.RewriteReleaseAsync(text => ReplaceDate(text, DateTimeOffset.UtcNow.AddMinutes(1))
                .Replace("\nSHA256:", $"\nValid-Until: {DateTimeOffset.UtcNow.AddMinutes(-1):ddd, dd MMM yyyy HH:mm:ss} UTC\nSHA256:", StringComparison.Ordinal), Ct);
            await GetAsync(node, inRelease);
            await node.Logs.WaitForAsync("signature bad", TimeSpan.FromSeconds(10));
            var expired = await ArchiveAsync(node);
            Assert.Equal("bad", expired.GetProperty("signature").GetString());
            Assert.Contains("Valid-Until", expired.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await Repository.RegenerateIndexesAsync(Ct);
        }
    }

    [Fact]
    public async Task A_release_with_only_a_detached_signature_is_verified_by_its_release_gpg()
    {
        await using var mirror = new NginxMirror(Repository.Root, ["location ~ /InRelease$ { return 404; }"]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort)));

        var update = await apt.UpdateAsync(Ct);

        AptThroughProxyTests.AssertSucceeded(update, node);
        Assert.True(update.Elapsed < TimeSpan.FromSeconds(10), $"the Release.gpg request waited for the Release's indexing: {update}");
        Assert.Contains(mirror.ReadAccessLog(), e => e.Path.EndsWith("/Release.gpg", StringComparison.Ordinal));
        await node.Logs.WaitForAsync("signature verified", TimeSpan.FromSeconds(20));
        var archive = await ArchiveAsync(node);
        Assert.Equal("verified", archive.GetProperty("signature").GetString());
    }

    [Fact]
    public async Task A_missing_or_hanging_verifier_is_logged_the_archive_counts_as_unsigned_and_apt_is_not_held_up()
    {
        var hanging = Path.Combine(Directory.CreateTempSubdirectory("aptp2p-gpgv-").FullName, "gpgv");
        await File.WriteAllTextAsync(hanging, "#!/bin/sh\nexec sleep 60\n", Ct);
        File.SetUnixFileMode(hanging, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            foreach (var (gpgv, logged) in new[] { ("/nonexistent/gpgv", "is missing"), (hanging, "did not finish within 1 s") })
            {
                await using var node = await AptP2PNode.StartAsync(settings: [$"AptP2P:Trust:Gpgv={gpgv}", "AptP2P:Trust:VerifyTimeoutSeconds=1"]);
                using var apt = fixture.CreateClient(new Uri(node.PrefixFor(fixture.Mirror.HostPort)));
                var update = await apt.UpdateAsync(Ct);

                AptThroughProxyTests.AssertSucceeded(update, node);
                Assert.True(update.Elapsed < TimeSpan.FromSeconds(30), update.ToString());
                await node.Logs.WaitForAsync(logged, TimeSpan.FromSeconds(10));
                await node.Logs.WaitForAsync("signature unsigned", TimeSpan.FromSeconds(10));
                Assert.Equal("unsigned", (await ArchiveAsync(node)).GetProperty("signature").GetString());
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(hanging)!, recursive: true);
        }
    }

    private MirrorUrl Url(string path) => new("127.0.0.1", fixture.Mirror.Port, path);

    private async Task<HttpStatusCode> GetAsync(AptP2PNode node, string path)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(node.PrefixFor(fixture.Mirror.HostPort) + path), Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);
        return response.StatusCode;
    }

    private static async Task<JsonElement> ArchiveAsync(AptP2PNode node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var archives = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/archives", UriKind.Relative), Ct);
            if (archives.GetArrayLength() == 1)
                return archives[0];
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"/api/archives: {archives.GetRawText()}\n{node.Logs}");
            await Task.Delay(100, Ct);
        }
    }

    private static async Task<HttpStatusCode> PeerStatusAsync(AptP2PNode node, string sha256)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/~/{sha256}"), Ct);
        return response.StatusCode;
    }

    private static string ReplaceDate(string release, DateTimeOffset date) =>
        System.Text.RegularExpressions.Regex.Replace(release, "^Date: .*$", $"Date: {date:ddd, dd MMM yyyy HH:mm:ss} UTC", System.Text.RegularExpressions.RegexOptions.Multiline);
}
