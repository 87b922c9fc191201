using System.Security.Cryptography;
using System.Text;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Tests.Apt;

/// <summary>Metadata shaped like Debian's, and a shortcut through <see cref="MetadataReader"/>.</summary>
internal static class MetadataSamples
{
    /// <summary>A stable, distinct, valid SHA-256 for a label.</summary>
    public static string Hash(string label) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(label)));

    public static (MetadataReadResult Result, List<IndexedFile> Entries) Read(string mirrorPath, string content, int bufferSize = 64 * 1024) =>
        Read(mirrorPath, Encoding.UTF8.GetBytes(content), bufferSize);

    public static (MetadataReadResult Result, List<IndexedFile> Entries) Read(string mirrorPath, byte[] content, int bufferSize = 64 * 1024)
    {
        var info = MetadataFile.Classify(mirrorPath) ?? throw new ArgumentException($"{mirrorPath} is not metadata.", nameof(mirrorPath));
        var result = MetadataReader.Read(info, new MemoryStream(content), bufferSize, ControlFileReader.DefaultMaxValueLength, CancellationToken.None);
        return (result, result.Entries.ToList());
    }

    public static string PackagesStanza(string package, string version, string filename, long size, string sha256) => $"""
        Package: {package}
        Version: {version}
        Installed-Size: 280
        Maintainer: Santiago Vila <sanvila@debian.org>
        Architecture: amd64
        Depends: libc6 (>= 2.34)
        Description: example package based on GNU hello
        Homepage: https://www.gnu.org/software/hello/
        Description-md5: 6b4ec5a48c3dd2e7e8e8d8d3a3d4a1d4
        Tag: devel::examples, role::program, works-with::text
        Section: devel
        Priority: optional
        Filename: {filename}
        Size: {size}
        MD5sum: 4ef2a1b0a3c1ef5ac3a8bfa5e6e8c2b1
        SHA256: {sha256}


        """;

    public static readonly string Sources = $"""
        Package: hello
        Binary: hello
        Version: 2.10-3
        Maintainer: Santiago Vila <sanvila@debian.org>
        Build-Depends: debhelper-compat (= 13)
        Architecture: any
        Standards-Version: 4.6.2
        Format: 3.0 (quilt)
        Files:
         5b5b1f8d0b1fd3d0e5f3e0b7e0e6ad2e 1847 hello_2.10-3.dsc
         6cd0ffea3884a4e79330338dcc2987d6 725946 hello_2.10.orig.tar.gz
        Vcs-Browser: https://salsa.debian.org/sanvila/hello
        Checksums-Sha256:
         {Hash("dsc")} 1847 hello_2.10-3.dsc
         {Hash("orig")} 725946 hello_2.10.orig.tar.gz
         {Hash("asc")} 819 hello_2.10.orig.tar.gz.asc
         {Hash("debian")} 12688 hello_2.10-3.debian.tar.xz
        Homepage: http://www.gnu.org/software/hello/
        Package-List: 
         hello deb devel optional arch=any
        Testsuite: autopkgtest
        Directory: pool/main/h/hello
        Priority: source
        Section: misc

        Package: zlib
        Binary: zlib1g, zlib1g-dev
        Version: 1:1.2.13.dfsg-1
        Format: 3.0 (quilt)
        Checksums-Sha256:
         {Hash("zlib-dsc")} 2815 zlib_1.2.13.dfsg-1.dsc
         {Hash("zlib-orig")} 1391296 zlib_1.2.13.dfsg.orig.tar.xz
        Directory: pool/main/z/zlib

        """;

    public static readonly string DiffIndex = $"""
        SHA1-Current: 2f846350bf5855230190ef1588e9ee5ddc45b7c7 13499355
        SHA256-Current: {Hash("current")} 13499355
        SHA1-History:
         05e82a87ced6a0827d38bdcc84b0a795512d48e8 13992555 T-2024-02-12-0800.11-F-2024-02-11-0812.03
        SHA256-History:
         {Hash("history-1")} 13992555 T-2024-02-12-0800.11-F-2024-02-11-0812.03
         {Hash("history-2")} 13565058 T-2024-02-12-0800.11-F-2024-02-12-0200.49
        SHA256-Patches:
         {Hash("patch-1")} 6093771 T-2024-02-12-0800.11-F-2024-02-11-0812.03
         {Hash("patch-2")}     584 T-2024-02-12-0800.11-F-2024-02-12-0200.49
        SHA1-Download:
         4ca7db18342fca28d2b9e59fec463776fd14931e  387469 T-2024-02-12-0800.11-F-2024-02-11-0812.03.gz
        SHA256-Download:
         {Hash("download-1")}  387492 T-2024-02-12-0800.11-F-2024-02-11-0812.03.gz
         {Hash("download-2")}     271 T-2024-02-12-0800.11-F-2024-02-12-0200.49.gz
        X-Unmerged-SHA256-History:
         {Hash("unmerged-history")} 13565058 2024-02-12-0800.11
        X-Unmerged-SHA256-Patches:
         {Hash("unmerged-patch")}     584 2024-02-12-0800.11
        X-Unmerged-SHA256-Download:
         {Hash("unmerged-download")}     271 2024-02-12-0800.11.gz
        X-Patch-Precedence: merged
        X-DAK-Older-Patches: 2024-02-11-2002.18 2024-02-12-0200.49 2024-02-12-0800.11

        """;

    /// <summary>A Release like Debian's: MD5Sum and SHA256, uncompressed entries listed too.</summary>
    public static string Release(bool acquireByHash) => $"""
        Origin: Debian
        Label: Debian
        Suite: stable
        Version: 12.5
        Codename: bookworm
        Changelogs: https://metadata.ftp-master.debian.org/changelogs/@CHANGEPATH@_changelog
        Date: Sat, 10 Feb 2024 09:44:34 UTC
        Valid-Until: Sat, 17 Feb 2024 09:44:34 UTC
        {(acquireByHash ? "Acquire-By-Hash: yes" : "Acquire-By-Hash: no")}
        No-Support-for-Architecture-all: Packages
        Architectures: all amd64 arm64
        Components: main contrib
        Description: Debian 12.5 Released 10 February 2024
        MD5Sum:
         0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
         d0a0325a97c42fd5f66a8c3e29bcea64    98581 contrib/Contents-all.gz
        SHA256:
         {Hash("contents-all")}  1484322 contrib/Contents-all
         {Hash("contents-all.gz")}    98581 contrib/Contents-all.gz
         {Hash("packages")} 47286672 main/binary-amd64/Packages
         {Hash("packages.gz")} 11845617 main/binary-amd64/Packages.gz
         {Hash("packages.xz")}  8786160 main/binary-amd64/Packages.xz
         {Hash("release")}      113 main/binary-amd64/Release
         {Hash("translation")}   354560 main/i18n/Translation-en.bz2
         {Hash("sources")}  9723524 main/source/Sources.xz
        """;
}
