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
    public async Task An_archive_signed_by_a_strangers_key_is_unknown_key_although_the_test_key_is_trusted_and_none_of_its_files_are_shared()
    {
        var home = Directory.CreateTempSubdirectory("aptp2p-stranger-").FullName;
        try
        {
            // The repository's own key is trusted (published in TestKeyrings), the stranger's is in no keyring.
            var trusted = await File.ReadAllBytesAsync(Repository.KeyringPath, Ct);
            Assert.Contains(Directory.GetFiles(TestKeyrings.Directory), f => File.ReadAllBytes(f).AsSpan().SequenceEqual(trusted));
            var stranger = await RepositorySigner.CreateAsync(Path.Combine(home, "gnupg"), Path.Combine(home, "stranger.gpg"), Ct);
            await Repository.RewriteReleaseAsync(text => text, stranger, Ct);
            await using var node = await AptP2PNode.StartAsync();

            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, $"{Repository.SuiteDirectory}/InRelease"));
            await node.Logs.WaitForAsync("signature unknown-key", TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, $"{Repository.SuiteDirectory}/main/binary-amd64/Packages.xz"));
            var index = node.Get<HashIndex>();
            var hello = Repository.Package("hello");
            await WaitUntilAsync(() => index.Find(Url(hello.PoolPath)) is not null, node);
            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, hello.PoolPath));

            var archive = await ArchiveAsync(node);
            Assert.Equal("unknown-key", archive.GetProperty("signature").GetString());
            Assert.Equal(JsonValueKind.Null, archive.GetProperty("signingKey").ValueKind);
            Assert.Contains("AptP2P:Trust:Keyrings", archive.GetProperty("reason").GetString(), StringComparison.Ordinal);
            foreach (var package in Repository.Packages)
            {
                var hash = ContentHash.Parse(package.Sha256);
                Assert.Equal(hash, index.Find(Url(package.PoolPath))?.Hash);
                Assert.True(index.IsWithheld(hash), package.Name);
                Assert.Equal(HttpStatusCode.NotFound, await PeerStatusAsync(node, package.Sha256));
            }
            Assert.DoesNotContain(node.Logs.Lines, l => l.Message.Contains("Announced ", StringComparison.Ordinal));
        }
        finally
        {
            await Repository.RegenerateIndexesAsync(Ct);
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public async Task An_inrelease_with_a_truncated_or_garbage_signature_is_unsigned_logged_by_archive_and_still_answered(string damage)
    {
        var inRelease = $"{Repository.SuiteDirectory}/InRelease";
        var path = Repository.PathOf(inRelease);
        var original = await File.ReadAllTextAsync(path, Ct);
        var begin = original.IndexOf("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);
        var end = original.IndexOf("-----END PGP SIGNATURE-----", StringComparison.Ordinal);
        Assert.True(begin > 0 && end > begin, original);
        var garbage = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("garbage ", 40))), Base64FormattingOptions.InsertLineBreaks);
        var hostile = damage == "truncated"
            ? original[..((begin + end) / 2)]
            : original[..begin] + "-----BEGIN PGP SIGNATURE-----\n\n" + garbage + "\n" + original[end..];
        try
        {
            await File.WriteAllTextAsync(path, hostile, Ct);
            await using var node = await AptP2PNode.StartAsync();

            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, inRelease));
            await node.Logs.WaitForAsync("signature unsigned", TimeSpan.FromSeconds(10));

            Assert.Contains(node.Logs.Lines, l => l.Message.Contains(
                $"Archive {fixture.Mirror.HostPort}/{Repository.SuiteDirectory}: signature unsigned (the Release carries no OpenPGP signature gpgv could read)",
                StringComparison.Ordinal));
            var archive = await ArchiveAsync(node);
            Assert.Equal("unsigned", archive.GetProperty("signature").GetString());
            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, $"{Repository.SuiteDirectory}/main/binary-amd64/Packages.xz"));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, inRelease));
        }
        finally
        {
            await Repository.RegenerateIndexesAsync(Ct);
        }
    }

    [Fact]
    public async Task A_keyring_directory_of_thousands_of_files_is_read_within_the_bound_and_the_skipped_files_are_logged()
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-keys-").FullName;
        try
        {
            File.Copy(Repository.KeyringPath, Path.Combine(directory, "0000-archive.gpg"));
            for (var i = 0; i < 2000; i++)
                await File.WriteAllTextAsync(Path.Combine(directory, $"junk-{i:D4}.gpg"), $"not a key {i}\n", Ct);
            await using var node = await AptP2PNode.StartAsync(settings: [$"AptP2P:Trust:Keyrings:0={directory}"]);

            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, $"{Repository.SuiteDirectory}/InRelease"));

            // Past VerifyTimeoutSeconds (10 s) the archive would be unsigned, so verified is also "within the bound".
            await node.Logs.WaitForAsync("signature verified", TimeSpan.FromSeconds(20));
            Assert.Equal("verified", (await ArchiveAsync(node)).GetProperty("signature").GetString());
            Assert.Contains(node.Logs.Lines, l => l.Message.Contains($"more than the {Engine.Apt.Trust.SignatureVerifier.MaxKeyringFiles} files", StringComparison.Ordinal)
                && l.Message.Contains("the rest are skipped (1 keyrings used)", StringComparison.Ordinal));
            Assert.Contains(node.Logs.Lines, l => l.Message.Contains("999 .gpg files of AptP2P:Trust:Keyrings are not OpenPGP keyrings", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
    public async Task An_index_whose_content_is_not_what_its_verified_release_lists_is_refused_and_teaches_nothing()
    {
        await using var node = await AptP2PNode.StartAsync();
        var packages = $"{Repository.SuiteDirectory}/main/binary-amd64/Packages";
        await GetAsync(node, $"{Repository.SuiteDirectory}/InRelease");
        Assert.Equal("verified", (await ArchiveAsync(node)).GetProperty("signature").GetString());

        // A man in the middle (or a mirror caught mid-sync) serves a Packages the signed Release does not vouch for: the node
        // checks it against the Release's size and hash as apt would, and neither caches nor reads it.
        var forgedPath = "pool/main/f/forged/forged_1.0_amd64.deb";
        var original = await File.ReadAllTextAsync(Repository.PathOf(packages), Ct);
        var modified = File.GetLastWriteTimeUtc(Repository.PathOf(packages));
        try
        {
            await File.WriteAllTextAsync(Repository.PathOf(packages), original + $"\nPackage: forged\nVersion: 1.0\nArchitecture: amd64\n" +
                $"Filename: {forgedPath}\nSize: 1234\nSHA256: {new string('a', 64)}\n", Ct);
            Assert.Equal(HttpStatusCode.BadGateway, await GetAsync(node, packages));
        }
        finally
        {
            await File.WriteAllTextAsync(Repository.PathOf(packages), original, Ct);
            File.SetLastWriteTimeUtc(Repository.PathOf(packages), modified);
        }
        var index = node.Get<HashIndex>();
        Assert.Null(index.Find(Url(forgedPath)));
        Assert.Null(index.Find(Url(Repository.Package("hello").PoolPath)));

        // The genuine one is learned with the Release's word.
        Assert.Equal(HttpStatusCode.OK, await GetAsync(node, packages));
        await WaitUntilAsync(() => index.Find(Url(Repository.Package("hello").PoolPath)) is { Trust: Engine.Apt.Trust.ArchiveTrust.Verified }, node);
        Assert.Null(index.Find(Url(forgedPath)));
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
    public async Task A_release_whose_valid_until_passes_while_the_node_runs_turns_bad_and_its_indexes_are_no_longer_learned()
    {
        await using var node = await AptP2PNode.StartAsync();
        var inRelease = $"{Repository.SuiteDirectory}/InRelease";
        var packages = $"{Repository.SuiteDirectory}/main/binary-amd64/Packages.xz";
        var validUntil = DateTimeOffset.UtcNow.AddSeconds(4);
        try
        {
            await Repository.RewriteReleaseAsync(text => ReplaceDate(text, DateTimeOffset.UtcNow.AddMinutes(2))
                .Replace("\nSHA256:", $"\nValid-Until: {validUntil:ddd, dd MMM yyyy HH:mm:ss} UTC\nSHA256:", StringComparison.Ordinal), Ct);
            await GetAsync(node, inRelease);
            var fresh = await ArchiveAsync(node);
            Assert.Equal("verified", fresh.GetProperty("signature").GetString());
            Assert.Equal(validUntil.ToUnixTimeSeconds(), fresh.GetProperty("validUntil").GetDateTimeOffset().ToUnixTimeSeconds());

            // The mirror stops being updated (or an attacker freezes it) and keeps serving the same Release past its Valid-Until.
            await Task.Delay(validUntil - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5), Ct);
            await GetAsync(node, inRelease);
            await node.Logs.WaitForAsync("(its Valid-Until)", TimeSpan.FromSeconds(10));
            var expired = await ArchiveAsync(node);
            Assert.Equal("bad", expired.GetProperty("signature").GetString());
            Assert.Contains("Valid-Until", expired.GetProperty("reason").GetString(), StringComparison.Ordinal);

            // apt still gets the index from the mirror (apt decides), but the node learns nothing from it.
            Assert.Equal(HttpStatusCode.OK, await GetAsync(node, packages));
            await node.Logs.WaitForAsync("Not indexed", TimeSpan.FromSeconds(10));
            Assert.Null(node.Get<HashIndex>().Find(Url(Repository.Package("hello").PoolPath)));
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
    public async Task A_release_whose_release_gpg_is_missing_is_taken_as_unsigned_at_once_not_after_the_signature_wait()
    {
        // As apt reads an archive without InRelease: Release, then Release.gpg. The mirror's 404 for Release.gpg settles it:
        // waiting the full 15 s for a signature that will not come kept a replaced Release's old hashes (502 for its indexes).
        await using var mirror = new NginxMirror(Repository.Root, ["location ~ /(InRelease|Release\\.gpg)$ { return 404; }"]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient();
        var prefix = node.PrefixFor(mirror.HostPort) + Repository.SuiteDirectory;

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"{prefix}/InRelease"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"{prefix}/Release"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"{prefix}/Release.gpg"), Ct)).StatusCode);

        var line = await node.Logs.WaitForAsync("signature unsigned", TimeSpan.FromSeconds(5));
        Assert.Contains("no Release.gpg", line.Message, StringComparison.Ordinal);
        Assert.NotNull(node.Get<HashIndex>().Find(new MirrorUrl("127.0.0.1", mirror.Port, $"{Repository.SuiteDirectory}/main/binary-amd64/Packages.xz")));
    }

    [Fact]
    public async Task A_replaced_release_is_checked_against_its_own_release_gpg_never_the_one_of_the_release_before()
    {
        await using var mirror = new NginxMirror(Repository.Root, ["location ~ /InRelease$ { return 404; }"]);
        await mirror.StartAsync(Ct);
        await using var node = await AptP2PNode.StartAsync();
        using var http = new HttpClient();
        var prefix = node.PrefixFor(mirror.HostPort) + Repository.SuiteDirectory;
        try
        {
            await http.GetByteArrayAsync(new Uri($"{prefix}/Release"), Ct);
            await http.GetByteArrayAsync(new Uri($"{prefix}/Release.gpg"), Ct);
            await node.Logs.WaitForAsync("signature verified", TimeSpan.FromSeconds(20));

            // A newer Release, signed anew. apt takes the Release, then (a moment later here) its Release.gpg: the cached
            // Release.gpg of the Release before must not be tried against it (that made it bad).
            var date = DateTimeOffset.UtcNow.AddMinutes(1);
            await Repository.RewriteReleaseAsync(text => ReplaceDate(text, date), Ct);
            await http.GetByteArrayAsync(new Uri($"{prefix}/Release"), Ct);
            await Task.Delay(1000, Ct);
            await http.GetByteArrayAsync(new Uri($"{prefix}/Release.gpg"), Ct);

            var verified = await node.Logs.WaitForAsync("signature verified", 2, TimeSpan.FromSeconds(20));
            Assert.Equal(2, verified.Count);
            Assert.DoesNotContain(node.Logs.Lines, l => l.Message.Contains("signature bad", StringComparison.Ordinal));
            Assert.Equal("verified", (await ArchiveAsync(node)).GetProperty("signature").GetString());
        }
        finally
        {
            await Repository.RegenerateIndexesAsync(Ct);
        }
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

    private static async Task WaitUntilAsync(Func<bool> condition, AptP2PNode node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(node.Logs.ToString());
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
