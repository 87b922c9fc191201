using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Tests.Apt;

public sealed class FlatRepositoryPathTests
{
    [Theory]
    [InlineData("repo", "x.deb", "repo/x.deb")]
    [InlineData("repo", "./x.deb", "repo/x.deb")]
    [InlineData("repo/sub", "sub/x.deb", "repo/sub/x.deb")]
    [InlineData("a/b/c", "b/c/pool/x.deb", "a/b/c/pool/x.deb")]
    [InlineData("repo/sub", "other/x.deb", "repo/sub/other/x.deb")]
    [InlineData("sub", "sub/x.deb", "sub/x.deb")]
    [InlineData("", "x.deb", "x.deb")]
    public void Flat_repository_names_are_resolved_the_way_apt_resolves_them(string directory, string filename, string expected)
    {
        var builder = new ArchivePathBuilder(directory, flat: true);

        Assert.Equal(expected, builder.TryBuild(Encoding.UTF8.GetBytes(filename)));
    }

    [Fact]
    public void Dists_layout_names_are_always_relative_to_the_archive_root()
    {
        var builder = new ArchivePathBuilder("debian", flat: false);
        Assert.Equal("debian/debian/x.deb", builder.TryBuild("debian/x.deb"u8));
    }

    [Fact]
    public void Only_flat_packages_and_sources_are_flagged_flat()
    {
        Assert.True(MetadataFile.Classify("repo/sub/Packages.gz")!.IsFlat);
        Assert.False(MetadataFile.Classify("debian/dists/stable/main/binary-amd64/Packages.gz")!.IsFlat);
        Assert.False(MetadataFile.Classify("repo/sub/Release")!.IsFlat);
    }
}
