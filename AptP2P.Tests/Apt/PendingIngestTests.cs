using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Mirrors;

namespace AptP2P.Tests.Apt;

/// <summary>Which lookups wait for an index still being read (<see cref="HashIndex.FindAsync"/>).</summary>
public sealed class PendingIngestTests
{
    private const string Mirror = "mirror.example";
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_Packages_file_being_indexed_holds_back_package_lookups_but_not_apt_update_ones()
    {
        var index = new HashIndex(new AptP2P.Tests.Transfers.FixedOptions<AptP2P.Engine.Configuration.AptP2POptions>(new()));
        var ingest = new TaskCompletionSource();
        using var pending = index.BeginIngest(Mirror, MetadataFile.Classify("debian/dists/stable/main/binary-amd64/Packages.xz")!, ingest.Task);

        var inRelease = index.FindAsync(Url("debian/dists/stable/InRelease"), MaxWait, Ct);
        var byHash = index.FindAsync(Url("debian/dists/stable/main/binary-amd64/by-hash/SHA256/" + new string('a', 64)), MaxWait, Ct);
        var package = index.FindAsync(Url("debian/pool/main/h/hello/hello_2.10-3_amd64.deb"), MaxWait, Ct);

        Assert.True(inRelease.IsCompleted, "InRelease waited for a Packages index");
        Assert.True(byHash.IsCompleted, "a by-hash name waited for a Packages index");
        Assert.False(package.IsCompleted, "a package did not wait for the Packages index that may list it");
        ingest.SetResult();
        Assert.Null(await package);
    }

    [Fact]
    public void A_Release_being_indexed_holds_back_the_indexes_it_lists()
    {
        var index = new HashIndex(new AptP2P.Tests.Transfers.FixedOptions<AptP2P.Engine.Configuration.AptP2POptions>(new()));
        var ingest = new TaskCompletionSource();
        using var pending = index.BeginIngest(Mirror, MetadataFile.Classify("debian/dists/stable/InRelease")!, ingest.Task);

        var packages = index.FindAsync(Url("debian/dists/stable/main/binary-amd64/Packages.xz"), MaxWait, Ct);

        Assert.False(packages.IsCompleted);
        ingest.SetResult();
    }

    [Fact]
    public async Task The_load_at_start_holds_back_every_lookup_but_an_archives_own_Release_files()
    {
        var index = new HashIndex(new AptP2P.Tests.Transfers.FixedOptions<AptP2P.Engine.Configuration.AptP2POptions>(new()));
        var load = new TaskCompletionSource();
        var loaded = index.StartLoading(_ => load.Task, Ct);

        string[] atOnce = ["debian/dists/stable/InRelease", "debian/dists/stable/Release", "debian/dists/stable/Release.gpg", "dists/sid/Release", "repo/InRelease"];
        string[] waiting = ["debian/dists/stable/main/binary-amd64/Release", "debian/dists/stable/main/binary-amd64/Packages.xz", "repo/Release", "Release",
            "debian/pool/main/h/hello/hello_2.10-3_amd64.deb", "debian/dists/stable/main/binary-amd64/by-hash/SHA256/" + new string('a', 64)];
        foreach (var path in atOnce)
            Assert.True(index.FindAsync(Url(path), MaxWait, Ct).AsTask().IsCompleted, $"{path} waited for the load");
        var held = waiting.Select(path => (path, Find: index.FindAsync(Url(path), MaxWait, Ct).AsTask())).ToList();
        foreach (var (path, find) in held)
            Assert.False(find.IsCompleted, $"{path} did not wait for the load");
        load.SetResult();
        await loaded;
        foreach (var (_, find) in held)
            await find;
    }

    private static MirrorUrl Url(string path) => new(Mirror, 80, path);
}
