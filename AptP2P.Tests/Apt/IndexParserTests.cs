using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;
using static AptP2P.Tests.Apt.MetadataSamples;

namespace AptP2P.Tests.Apt;

public sealed class IndexParserTests
{
    [Fact]
    public void Packages_entries_are_paths_under_the_archive_root()
    {
        var text = PackagesStanza("hello", "2.10-3", "pool/main/h/hello/hello_2.10-3_amd64.deb", 53084, Hash("hello"))
            + PackagesStanza("libstdc++6", "12.2.0-14", "pool/main/g/gcc-12/libstdc++6_12.2.0-14_amd64.deb", 613240, Hash("libstdc").ToUpperInvariant());

        (var result, var entries) = Read("debian/dists/bookworm/main/binary-amd64/Packages", text);

        Assert.Equal(
            [
                new IndexedFile("debian/pool/main/h/hello/hello_2.10-3_amd64.deb", Hash("hello"), 53084),
                new IndexedFile("debian/pool/main/g/gcc-12/libstdc++6_12.2.0-14_amd64.deb", Hash("libstdc"), 613240),
            ],
            entries);
        Assert.Equal(new ParseStats(2, 2, 0, 0, true, null), result.Stats);
    }

    [Fact]
    public void Packages_stanzas_missing_a_field_or_with_a_bad_value_are_skipped_and_counted()
    {
        var good = PackagesStanza("good", "1", "pool/main/g/good/good_1_amd64.deb", 1, Hash("good"));
        var text = good
            + "Package: no-hash\nFilename: pool/a.deb\nSize: 1\n\n"
            + "Package: no-size\nFilename: pool/b.deb\nSHA256: " + Hash("b") + "\n\n"
            + "Package: no-file\nSize: 1\nSHA256: " + Hash("c") + "\n\n"
            + PackagesStanza("short-hash", "1", "pool/d.deb", 1, Hash("d")[..63])
            + PackagesStanza("not-hex", "1", "pool/e.deb", 1, "g" + Hash("e")[1..])
            + PackagesStanza("negative", "1", "pool/f.deb", -1, Hash("f"))
            + "Package: words\nFilename: pool/g.deb\nSize: 12 bytes\nSHA256: " + Hash("g") + "\n\n";

        (var result, var entries) = Read("debian/dists/sid/main/binary-amd64/Packages", text);

        Assert.Equal("debian/pool/main/g/good/good_1_amd64.deb", Assert.Single(entries).Path);
        Assert.Equal(new ParseStats(8, 1, 7, 0, true, null), result.Stats);
    }

    [Theory]
    [InlineData("./pool/main/a/a.deb", "debian/pool/main/a/a.deb")]
    [InlineData("pool//main/./a/a.deb", "debian/pool/main/a/a.deb")]
    [InlineData("pool/main/a/a+b_1%3a2.deb", "debian/pool/main/a/a+b_1%3a2.deb")]
    [InlineData("pool/main/ü/ü.deb", "debian/pool/main/ü/ü.deb")]
    public void Packages_filenames_are_normalised(string filename, string expected)
    {
        (_, var entries) = Read("debian/dists/sid/main/binary-amd64/Packages", PackagesStanza("a", "1", filename, 1, Hash("a")));

        Assert.Equal(expected, Assert.Single(entries).Path);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("pool/../../secret.deb")]
    [InlineData("pool/main/..")]
    [InlineData("/etc/passwd")]
    [InlineData("pool\\..\\x.deb")]
    [InlineData("pool/main/a/\u0001.deb")]
    [InlineData("pool/main/a/")]
    [InlineData("./")]
    public void Packages_filenames_escaping_the_archive_are_skipped(string filename)
    {
        (var result, var entries) = Read("debian/dists/sid/main/binary-amd64/Packages", PackagesStanza("a", "1", filename, 1, Hash("a")));

        Assert.Empty(entries);
        Assert.Equal(1, result.Stats.SkippedEntries);
    }

    [Fact]
    public void Invalid_utf8_in_a_filename_is_skipped()
    {
        byte[] text = [.. Encoding.UTF8.GetBytes("Filename: pool/a"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes($".deb\nSize: 1\nSHA256: {Hash("a")}\n")];

        (_, var entries) = Read("debian/dists/sid/main/binary-amd64/Packages", text);

        Assert.Empty(entries);
    }

    [Fact]
    public void A_flat_repository_lists_files_next_to_its_Packages()
    {
        (_, var entries) = Read("repo/deb/Packages.gz", PackagesStanza("a", "1", "./a_1_amd64.deb", 1, Hash("a")));

        Assert.Equal("repo/deb/a_1_amd64.deb", Assert.Single(entries).Path);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(64 * 1024)]
    public void Sources_list_every_checksummed_file_in_the_package_directory(int bufferSize)
    {
        (var result, var entries) = Read("debian/dists/bookworm/main/source/Sources.xz", Sources, bufferSize);

        Assert.Equal(
            [
                new IndexedFile("debian/pool/main/h/hello/hello_2.10-3.dsc", Hash("dsc"), 1847),
                new IndexedFile("debian/pool/main/h/hello/hello_2.10.orig.tar.gz", Hash("orig"), 725946),
                new IndexedFile("debian/pool/main/h/hello/hello_2.10.orig.tar.gz.asc", Hash("asc"), 819),
                new IndexedFile("debian/pool/main/h/hello/hello_2.10-3.debian.tar.xz", Hash("debian"), 12688),
                new IndexedFile("debian/pool/main/z/zlib/zlib_1.2.13.dfsg-1.dsc", Hash("zlib-dsc"), 2815),
                new IndexedFile("debian/pool/main/z/zlib/zlib_1.2.13.dfsg.orig.tar.xz", Hash("zlib-orig"), 1391296),
            ],
            entries);
        Assert.Equal(new ParseStats(2, 6, 0, 0, true, null), result.Stats);
    }

    [Fact]
    public void Sources_lines_with_bad_hashes_or_unsafe_names_are_skipped_one_by_one()
    {
        var text = $"Directory: pool/main/a/a\nChecksums-Sha256:\n {Hash("1")} 10 a.dsc\n nothex 10 b.dsc\n {Hash("2")} 10 ../../c.dsc\n {Hash("3")} 10\n {Hash("4")} 10 d.dsc extra\n {Hash("5")} 10 e.dsc\n\nPackage: no-directory\nChecksums-Sha256:\n {Hash("6")} 1 f.dsc\n";

        (var result, var entries) = Read("debian/dists/sid/main/source/Sources", text);

        Assert.Equal(["debian/pool/main/a/a/a.dsc", "debian/pool/main/a/a/e.dsc"], entries.Select(e => e.Path));
        Assert.Equal(5, result.Stats.SkippedEntries);
    }

    [Fact]
    public void A_pdiff_Index_lists_the_downloadable_patches_in_its_diff_directory()
    {
        const string Dir = "debian/dists/bookworm-updates/main/binary-amd64/Packages.diff";

        (var result, var entries) = Read($"{Dir}/Index", DiffIndex);

        Assert.Equal(
            [
                new IndexedFile($"{Dir}/T-2024-02-12-0800.11-F-2024-02-11-0812.03.gz", Hash("download-1"), 387492),
                new IndexedFile($"{Dir}/T-2024-02-12-0800.11-F-2024-02-12-0200.49.gz", Hash("download-2"), 271),
                new IndexedFile($"{Dir}/2024-02-12-0800.11.gz", Hash("unmerged-download"), 271),
            ],
            entries);
        Assert.True(result.Stats.Completed);
    }
}
