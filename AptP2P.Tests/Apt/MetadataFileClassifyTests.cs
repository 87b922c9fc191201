using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Decompression;

namespace AptP2P.Tests.Apt;

public sealed class MetadataFileClassifyTests
{
    [Theory]
    [InlineData("debian/dists/bookworm/InRelease", "debian/dists/bookworm", "debian/dists/bookworm")]
    [InlineData("debian/dists/bookworm/Release", "debian/dists/bookworm", "debian/dists/bookworm")]
    [InlineData("debian-security/dists/bookworm-security/InRelease", "debian-security/dists/bookworm-security", "debian-security/dists/bookworm-security")]
    [InlineData("dists/stable/InRelease", "dists/stable", "dists/stable")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Release", "debian/dists/bookworm/main/binary-amd64", "debian/dists/bookworm/main/binary-amd64")]
    public void Release_files_of_one_suite_share_the_suite_directory_as_source(string path, string source, string baseDirectory)
    {
        var info = MetadataFile.Classify(path);

        Assert.NotNull(info);
        Assert.Equal(MetadataKind.Release, info.Kind);
        Assert.Equal(Compression.None, info.Compression);
        Assert.Equal(source, info.SourcePath);
        Assert.Equal(baseDirectory, info.BaseDirectory);
    }

    [Theory]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages.xz", MetadataKind.Packages, Compression.Xz, "debian/dists/bookworm/main/binary-amd64/Packages", "debian")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages.gz", MetadataKind.Packages, Compression.Gzip, "debian/dists/bookworm/main/binary-amd64/Packages", "debian")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages", MetadataKind.Packages, Compression.None, "debian/dists/bookworm/main/binary-amd64/Packages", "debian")]
    [InlineData("debian/dists/bookworm/main/debian-installer/binary-amd64/Packages.xz", MetadataKind.Packages, Compression.Xz, "debian/dists/bookworm/main/debian-installer/binary-amd64/Packages", "debian")]
    [InlineData("debian/dists/bookworm/main/source/Sources.xz", MetadataKind.Sources, Compression.Xz, "debian/dists/bookworm/main/source/Sources", "debian")]
    [InlineData("ubuntu/dists/jammy-updates/universe/source/Sources.bz2", MetadataKind.Sources, Compression.Bzip2, "ubuntu/dists/jammy-updates/universe/source/Sources", "ubuntu")]
    [InlineData("dists/stable/main/binary-arm64/Packages.gz", MetadataKind.Packages, Compression.Gzip, "dists/stable/main/binary-arm64/Packages", "")]
    [InlineData("pub/mirror/debian/dists/sid/main/binary-all/Packages.xz", MetadataKind.Packages, Compression.Xz, "pub/mirror/debian/dists/sid/main/binary-all/Packages", "pub/mirror/debian")]
    public void Packages_and_Sources_in_a_dists_layout_are_relative_to_the_archive_root(
        string path, MetadataKind kind, Compression compression, string source, string baseDirectory)
    {
        var info = MetadataFile.Classify(path);

        Assert.Equal(new MetadataFileInfo(path, kind, compression, source, baseDirectory), info);
    }

    [Theory]
    [InlineData("repo/Packages.gz", MetadataKind.Packages, "repo/Packages", "repo")]
    [InlineData("downloads/linux/deb/Sources", MetadataKind.Sources, "downloads/linux/deb/Sources", "downloads/linux/deb")]
    [InlineData("Packages", MetadataKind.Packages, "Packages", "")]
    [InlineData("repo/InRelease", MetadataKind.Release, "repo", "repo")]
    public void A_flat_repository_is_relative_to_the_index_directory(string path, MetadataKind kind, string source, string baseDirectory)
    {
        var info = MetadataFile.Classify(path);

        Assert.NotNull(info);
        Assert.Equal(kind, info.Kind);
        Assert.Equal(source, info.SourcePath);
        Assert.Equal(baseDirectory, info.BaseDirectory);
    }

    [Theory]
    [InlineData("debian/dists/bookworm-updates/main/binary-amd64/Packages.diff/Index", Compression.None)]
    [InlineData("debian/dists/bookworm-updates/main/i18n/Translation-en.diff/Index", Compression.None)]
    [InlineData("debian/dists/bookworm-updates/main/binary-amd64/Packages.diff/Index.gz", Compression.Gzip)]
    public void A_pdiff_Index_is_relative_to_its_diff_directory(string path, Compression compression)
    {
        var info = MetadataFile.Classify(path);

        Assert.NotNull(info);
        Assert.Equal(MetadataKind.DiffIndex, info.Kind);
        Assert.Equal(compression, info.Compression);
        Assert.Equal(path[..path.LastIndexOf('/')], info.BaseDirectory);
        Assert.Equal(path[..(path.LastIndexOf('/') + "/Index".Length)], info.SourcePath);
    }

    [Theory]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages.zst")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages.lzma")]
    [InlineData("debian/dists/bookworm/main/source/Sources.lz4")]
    public void Compressions_we_cannot_decode_are_recognised_as_unsupported(string path)
    {
        var info = MetadataFile.Classify(path);

        Assert.NotNull(info);
        Assert.Equal(Compression.Unsupported, info.Compression);
        Assert.False(info.IsSupported);
        Assert.Equal(path[..path.LastIndexOf('.')], info.SourcePath);
    }

    [Theory]
    [InlineData("debian/dists/bookworm/Release.gpg")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/3c9ee6c8a3b5b3d7d2d8b6b1c9b6a0e1f1d0e7c1b1f5c5b3f0a1e9d8c7b6a5f4")]
    [InlineData("debian/dists/bookworm/main/i18n/Translation-en.xz")]
    [InlineData("debian/dists/bookworm/main/Contents-amd64.gz")]
    [InlineData("debian/dists/bookworm-updates/main/binary-amd64/Packages.diff/T-2024-02-10-0804.48-F-2024-02-09-2004.25.gz")]
    [InlineData("debian/pool/main/h/hello/hello_2.10-3_amd64.deb")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Index")]
    [InlineData("debian/dists/bookworm/InRelease.gz")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/Packages.old")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/packages")]
    [InlineData("debian/dists/bookworm/main/binary-amd64/")]
    [InlineData("")]
    public void Other_files_are_not_metadata(string path)
    {
        Assert.Null(MetadataFile.Classify(path));
    }
}
